using Berth.Protocol;

namespace Berth.Registry.Metadata;

/// <summary>A repository.</summary>
/// <param name="Name">Its name.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="ImageTagMutability"><c>MUTABLE</c>, <c>IMMUTABLE</c>, <c>MUTABLE_WITH_EXCLUSION</c> or <c>IMMUTABLE_WITH_EXCLUSION</c>.</param>
/// <param name="TagMutabilityExclusions">Wildcard tag filters that invert the setting (the <c>_WITH_EXCLUSION</c> modes).</param>
/// <param name="ScanOnPush">The stored scan-on-push setting (no scanner runs).</param>
public sealed record RepositoryRecord(
    string Name, DateTimeOffset CreatedAt, string ImageTagMutability = "MUTABLE", IReadOnlyList<string>? TagMutabilityExclusions = null, bool ScanOnPush = false);

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

/// <summary>Which images a listing includes, by whether they carry tags.</summary>
public enum TagStatus
{
    /// <summary>Every image.</summary>
    Any,

    /// <summary>Images with at least one tag.</summary>
    Tagged,

    /// <summary>Images without tags.</summary>
    Untagged,
}

/// <summary>One (digest, tag) pair of a repository; <see cref="Tag"/> is null for an untagged image.</summary>
/// <param name="Digest">The manifest digest.</param>
/// <param name="Tag">One of its tags, if any.</param>
public readonly record struct ImageTagPair(Digest Digest, string? Tag);

/// <summary>An image as the ECR API describes it: a manifest, its tags and when it was last pulled.</summary>
/// <param name="Manifest">The manifest.</param>
/// <param name="Tags">Its tags in lexical order.</param>
/// <param name="LastPulledAt">The last pull, if any was recorded.</param>
public sealed record ImageRecord(ManifestRecord Manifest, IReadOnlyList<string> Tags, DateTimeOffset? LastPulledAt);

/// <summary>Images as the ECR control plane sees them, and repository settings it changes.</summary>
public interface IImageStore
{
    /// <summary>Up to <paramref name="limit"/> (digest, tag) pairs after <paramref name="after"/>, ordered by digest then tag.</summary>
    ValueTask<IReadOnlyList<ImageTagPair>> ListImageIdsAsync(
        string repository, TagStatus status, ImageTagPair? after, int limit, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="limit"/> images after the digest <paramref name="after"/>, in digest order.</summary>
    ValueTask<IReadOnlyList<ImageRecord>> ListImagesAsync(
        string repository, TagStatus status, Digest? after, int limit, CancellationToken cancellationToken);

    /// <summary>Finds an image by digest.</summary>
    ValueTask<ImageRecord?> FindImageAsync(string repository, Digest digest, CancellationToken cancellationToken);

    /// <summary>Records that the image was pulled at <paramref name="at"/> (a store may skip it when the last record is under a minute old).</summary>
    ValueTask RecordPullAsync(string repository, Digest digest, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>An index or manifest list of the repository that lists <paramref name="child"/>, if any.</summary>
    ValueTask<Digest?> FindParentIndexAsync(string repository, Digest child, CancellationToken cancellationToken);

    /// <summary>Changes a repository's scan-on-push setting; <see langword="false"/> if it does not exist.</summary>
    ValueTask<bool> SetScanOnPushAsync(string repository, bool scanOnPush, CancellationToken cancellationToken);

    /// <summary>Changes a repository's tag mutability; <see langword="false"/> if it does not exist.</summary>
    ValueTask<bool> SetTagMutabilityAsync(
        string repository, string mutability, IReadOnlyList<string>? exclusions, CancellationToken cancellationToken);
}

/// <summary>Resource tags (key/value labels) on repositories, as TagResource and CreateRepository set them.</summary>
public interface IResourceTagStore
{
    /// <summary>The repository's tags in key order.</summary>
    ValueTask<IReadOnlyList<KeyValuePair<string, string>>> ListResourceTagsAsync(string repository, CancellationToken cancellationToken);

    /// <summary>Adds or overwrites tags.</summary>
    ValueTask SetResourceTagsAsync(string repository, IReadOnlyList<KeyValuePair<string, string>> tags, CancellationToken cancellationToken);

    /// <summary>Removes the tags with these keys (absent keys are ignored).</summary>
    ValueTask RemoveResourceTagsAsync(string repository, IReadOnlyList<string> keys, CancellationToken cancellationToken);
}
