using Berth.Protocol;

namespace Berth.Registry.Metadata;

/// <summary>A repository.</summary>
/// <param name="Name">Its name.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="ImageTagMutability"><c>MUTABLE</c> or <c>IMMUTABLE</c>.</param>
public sealed record RepositoryRecord(string Name, DateTimeOffset CreatedAt, string ImageTagMutability = "MUTABLE");

/// <summary>A stored manifest.</summary>
/// <param name="Digest">Its digest.</param>
/// <param name="MediaType">Its media type.</param>
/// <param name="Content">Its exact bytes.</param>
/// <param name="ArtifactType">Artifact type (for referrers).</param>
/// <param name="Subject">The manifest it refers to, if any.</param>
/// <param name="Annotations">Annotations as JSON (for referrers), if any.</param>
/// <param name="PushedAt">When it was pushed.</param>
public sealed record ManifestRecord(
    Digest Digest, string MediaType, byte[] Content, string? ArtifactType, Digest? Subject, string? Annotations, DateTimeOffset PushedAt);

/// <summary>Repositories.</summary>
public interface IRepositoryStore
{
    /// <summary>Creates a repository; <see langword="false"/> if it exists.</summary>
    ValueTask<bool> CreateRepositoryAsync(RepositoryRecord repository, CancellationToken cancellationToken);

    /// <summary>Finds a repository.</summary>
    ValueTask<RepositoryRecord?> FindRepositoryAsync(string name, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="limit"/> repositories after <paramref name="after"/>, in name order.</summary>
    ValueTask<IReadOnlyList<RepositoryRecord>> ListRepositoriesAsync(string? after, int limit, CancellationToken cancellationToken);

    /// <summary>Deletes a repository with its links, manifests and tags; <see langword="false"/> if absent.</summary>
    ValueTask<bool> DeleteRepositoryAsync(string name, CancellationToken cancellationToken);

    /// <summary>How many manifests the repository holds.</summary>
    ValueTask<long> CountManifestsAsync(string repository, CancellationToken cancellationToken);
}

/// <summary>Which repositories may read which blobs (a blob is readable only where it was pushed or mounted).</summary>
public interface IBlobLinkStore
{
    /// <summary>Links a stored blob into a repository (idempotent).</summary>
    ValueTask LinkBlobAsync(string repository, Digest digest, long size, CancellationToken cancellationToken);

    /// <summary>The blob's size if it is linked to the repository.</summary>
    ValueTask<long?> FindBlobLinkAsync(string repository, Digest digest, CancellationToken cancellationToken);

    /// <summary>Removes a link; <see langword="false"/> if there was none.</summary>
    ValueTask<bool> UnlinkBlobAsync(string repository, Digest digest, CancellationToken cancellationToken);
}

/// <summary>Manifests and tags.</summary>
public interface IManifestStore
{
    /// <summary>Stores a manifest (idempotent) and, if <paramref name="tag"/> is set, points the tag at it, atomically.</summary>
    ValueTask PutManifestAsync(string repository, ManifestRecord manifest, string? tag, CancellationToken cancellationToken);

    /// <summary>Finds a manifest by digest.</summary>
    ValueTask<ManifestRecord?> FindManifestAsync(string repository, Digest digest, CancellationToken cancellationToken);

    /// <summary>Resolves a tag to a digest.</summary>
    ValueTask<Digest?> FindTagAsync(string repository, string tag, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="limit"/> tags after <paramref name="after"/>, in lexical order.</summary>
    ValueTask<IReadOnlyList<string>> ListTagsAsync(string repository, string? after, int limit, CancellationToken cancellationToken);

    /// <summary>Removes a tag only; <see langword="false"/> if absent.</summary>
    ValueTask<bool> DeleteTagAsync(string repository, string tag, CancellationToken cancellationToken);

    /// <summary>Removes a manifest and every tag pointing at it; <see langword="false"/> if absent.</summary>
    ValueTask<bool> DeleteManifestAsync(string repository, Digest digest, CancellationToken cancellationToken);

    /// <summary>Manifests whose subject is <paramref name="subject"/>.</summary>
    ValueTask<IReadOnlyList<ManifestRecord>> ListReferrersAsync(string repository, Digest subject, CancellationToken cancellationToken);
}

/// <summary>Upload sessions: which repository an upload id belongs to, so any node can continue it.</summary>
public interface IUploadSessionStore
{
    /// <summary>Records a new upload.</summary>
    ValueTask CreateUploadAsync(string uploadId, string repository, DateTimeOffset startedAt, CancellationToken cancellationToken);

    /// <summary>The repository of an upload, or <see langword="null"/> if unknown.</summary>
    ValueTask<string?> FindUploadAsync(string uploadId, CancellationToken cancellationToken);

    /// <summary>Forgets an upload.</summary>
    ValueTask DeleteUploadAsync(string uploadId, CancellationToken cancellationToken);
}
