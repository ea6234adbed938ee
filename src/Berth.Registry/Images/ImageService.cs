using System.Text.Json;
using Berth.Protocol;
using Berth.Protocol.Oci;
using Berth.Registry.Manifests;
using Berth.Registry.Metadata;

namespace Berth.Registry.Images;

/// <summary>Why an image could not be deleted.</summary>
public enum ImageDeleteOutcome
{
    /// <summary>Deleted (the tag, or the image).</summary>
    Deleted,

    /// <summary>No such image or tag.</summary>
    NotFound,

    /// <summary>An index or manifest list of the repository still lists the image.</summary>
    ReferencedByManifestList,
}

/// <summary>Images as the ECR control plane sees them: listing, describing, sizes, pulls, deletion and API pushes.</summary>
public sealed class ImageService(IImageStore images, IManifestStore manifests, ManifestService manifestService, RegistryOptions options, TimeProvider time)
{
    /// <summary>A page of (digest, tag) pairs.</summary>
    public ValueTask<IReadOnlyList<ImageTagPair>> ListIdsAsync(string repository, TagStatus status, ImageTagPair? after, int limit, CancellationToken cancellationToken) =>
        images.ListImageIdsAsync(repository, status, after, limit, cancellationToken);

    /// <summary>A page of images.</summary>
    public ValueTask<IReadOnlyList<ImageRecord>> ListAsync(string repository, TagStatus status, Digest? after, int limit, CancellationToken cancellationToken) =>
        images.ListImagesAsync(repository, status, after, limit, cancellationToken);

    /// <summary>Finds an image by digest.</summary>
    public ValueTask<ImageRecord?> FindAsync(string repository, Digest digest, CancellationToken cancellationToken) =>
        images.FindImageAsync(repository, digest, cancellationToken);

    /// <summary>Resolves a tag.</summary>
    public ValueTask<Digest?> FindTagAsync(string repository, string tag, CancellationToken cancellationToken) =>
        manifests.FindTagAsync(repository, tag, cancellationToken);

    /// <summary>Records a pull (manifest GET or BatchGetImage), for <c>lastRecordedPullTime</c>.</summary>
    public ValueTask RecordPullAsync(string repository, Digest digest, CancellationToken cancellationToken) =>
        images.RecordPullAsync(repository, digest, time.GetUtcNow(), cancellationToken);

    /// <summary>
    /// The size ECR reports as <c>imageSizeInBytes</c>: the config and layer blobs as stored (compressed); for an index or
    /// manifest list, its largest child (AWS: "If the image is a manifest list, this will be the max size of all manifests in the list").
    /// </summary>
    public async ValueTask<long> SizeAsync(string repository, ManifestRecord manifest, CancellationToken cancellationToken)
    {
        var document = Parse(manifest.Content);
        if (document is null)
        {
            return 0;
        }

        if (!MediaTypes.IsIndex(manifest.MediaType))
        {
            return (document.Config?.Size ?? 0) + (document.Layers ?? []).Sum(l => l.Size);
        }

        long largest = 0;
        foreach (var child in document.Manifests ?? [])
        {
            if (Digest.TryParse(child.Digest ?? "", out var digest) && await manifests.FindManifestAsync(repository, digest, cancellationToken) is { } found
                && !MediaTypes.IsIndex(found.MediaType))
            {
                largest = Math.Max(largest, await SizeAsync(repository, found, cancellationToken));
            }
        }

        return largest;
    }

    /// <summary>Removes a tag; the image goes with its last tag, as BatchDeleteImage does.</summary>
    public async ValueTask<ImageDeleteOutcome> DeleteTagAsync(string repository, string tag, CancellationToken cancellationToken)
    {
        if (await manifests.FindTagAsync(repository, tag, cancellationToken) is not { } digest)
        {
            return ImageDeleteOutcome.NotFound;
        }

        var image = await images.FindImageAsync(repository, digest, cancellationToken);
        if (image is { Tags.Count: 1 })
        {
            return await DeleteImageAsync(repository, digest, cancellationToken);
        }

        return await manifests.DeleteTagAsync(repository, tag, cancellationToken) ? ImageDeleteOutcome.Deleted : ImageDeleteOutcome.NotFound;
    }

    /// <summary>Deletes an image with all its tags, unless an index of the repository lists it.</summary>
    public async ValueTask<ImageDeleteOutcome> DeleteImageAsync(string repository, Digest digest, CancellationToken cancellationToken)
    {
        if (await images.FindImageAsync(repository, digest, cancellationToken) is null)
        {
            return ImageDeleteOutcome.NotFound;
        }

        if (await images.FindParentIndexAsync(repository, digest, cancellationToken) is not null)
        {
            return ImageDeleteOutcome.ReferencedByManifestList;
        }

        return await manifests.DeleteManifestAsync(repository, digest, cancellationToken) ? ImageDeleteOutcome.Deleted : ImageDeleteOutcome.NotFound;
    }

    /// <summary>An index of the repository that lists <paramref name="digest"/>, if any.</summary>
    public ValueTask<Digest?> FindParentIndexAsync(string repository, Digest digest, CancellationToken cancellationToken) =>
        images.FindParentIndexAsync(repository, digest, cancellationToken);

    /// <summary>PutImage: stores a manifest sent through the API, with ECR's checks on top of the data plane's.</summary>
    /// <exception cref="RegistryException">ImageDigestDoesNotMatch, ImageAlreadyExists, TagInvalid (immutable), or the manifest's own errors.</exception>
    public async ValueTask<ManifestRecord> PutAsync(
        RepositoryRecord repository, byte[] content, string? mediaType, string? tag, Digest? expected, CancellationToken cancellationToken)
    {
        var digest = expected is { Algorithm: "sha512" } ? Digest.FromHash("sha512", System.Security.Cryptography.SHA512.HashData(content)) : Digest.Sha256(content);
        if (expected is { } e && e != digest)
        {
            throw new RegistryException(
                RegistryError.ImageDigestDoesNotMatch,
                $"Invalid parameter at 'imageDigest' failed to satisfy constraint: 'The provided digest '{e}' does not match the digest of the image manifest '{digest}''");
        }

        var existing = await manifests.FindManifestAsync(repository.Name, digest, cancellationToken);
        if (existing is not null)
        {
            var alreadyTagged = tag is null || await manifests.FindTagAsync(repository.Name, tag, cancellationToken) == digest;
            var immutable = tag is not null && Repositories.TagMutability.IsImmutable(repository, tag);
            if (alreadyTagged && !immutable)
            {
                throw new RegistryException(
                    RegistryError.ImageAlreadyExists,
                    $"Image with digest '{digest}' and tag '{tag ?? "null"}' already exists in the repository with name '{repository.Name}' in registry with id '{options.AccountId}'");
            }
        }

        try
        {
            await manifestService.PutAsync(repository, tag ?? digest.ToString(), mediaType, content, cancellationToken);
        }
        catch (RegistryException missing) when (missing.Error == RegistryError.ManifestBlobUnknown && Parse(content)?.Manifests is not null)
        {
            // The data plane has one code for a missing blob or child; the API tells an index's missing children apart.
            throw new RegistryException(RegistryError.ReferencedImagesNotFound, missing.Detail);
        }

        return await manifests.FindManifestAsync(repository.Name, digest, cancellationToken)
            ?? throw new InvalidOperationException("stored manifest vanished");
    }

    /// <summary>The members of a stored manifest or index the registry reads, or <see langword="null"/> when it is not JSON.</summary>
    internal static ManifestDocument? Parse(byte[] content)
    {
        try
        {
            return JsonSerializer.Deserialize(content, OciDocumentJsonContext.Default.ManifestDocument);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
