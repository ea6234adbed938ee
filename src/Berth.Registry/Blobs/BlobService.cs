using Berth.Protocol;
using Berth.Registry.Metadata;
using Berth.Registry.Storage;

namespace Berth.Registry.Blobs;

/// <summary>Blobs as repositories see them: a blob is readable only where it was pushed or mounted.</summary>
public sealed class BlobService(IBlobStore blobs, IBlobLinkStore links, IUploadSessionStore sessions, TimeProvider time)
{
    /// <summary>The blob if it is linked to <paramref name="repository"/> and stored.</summary>
    public async ValueTask<BlobInfo?> FindAsync(string repository, Digest digest, CancellationToken cancellationToken) =>
        await links.FindBlobLinkAsync(repository, digest, cancellationToken) is not null
            ? await blobs.StatAsync(digest, cancellationToken)
            : null;

    /// <summary>Removes the blob from the repository (the bytes stay while other repositories link them).</summary>
    public ValueTask<bool> UnlinkAsync(string repository, Digest digest, CancellationToken cancellationToken) =>
        links.UnlinkBlobAsync(repository, digest, cancellationToken);

    /// <summary>Links a blob readable in <paramref name="from"/> into <paramref name="repository"/>; <see langword="null"/> when it cannot be mounted.</summary>
    public async ValueTask<BlobInfo?> MountAsync(string repository, Digest digest, string from, CancellationToken cancellationToken)
    {
        var blob = await FindAsync(from, digest, cancellationToken);
        if (blob is { } found)
        {
            await links.LinkBlobAsync(repository, digest, found.Length, cancellationToken);
        }

        return blob;
    }

    /// <summary>Starts an upload into <paramref name="repository"/>.</summary>
    public async ValueTask<IBlobUpload> StartUploadAsync(string repository, CancellationToken cancellationToken)
    {
        var upload = await blobs.BeginUploadAsync(cancellationToken);
        await sessions.CreateUploadAsync(upload.Id, repository, time.GetUtcNow(), cancellationToken);
        return upload;
    }

    /// <summary>Finds an upload of <paramref name="repository"/>.</summary>
    /// <exception cref="RegistryException"><see cref="RegistryError.BlobUploadUnknown"/>.</exception>
    public async ValueTask<IBlobUpload> ResumeUploadAsync(string repository, string uploadId, CancellationToken cancellationToken)
    {
        var owner = await sessions.FindUploadAsync(uploadId, cancellationToken);
        var upload = owner == repository ? await blobs.ResumeUploadAsync(uploadId, cancellationToken) : null;
        return upload ?? throw new RegistryException(RegistryError.BlobUploadUnknown, $"upload '{uploadId}' is not known in '{repository}'");
    }

    /// <summary>Verifies and publishes an upload, then links the blob into <paramref name="repository"/>.</summary>
    public async ValueTask<BlobInfo> CompleteUploadAsync(string repository, IBlobUpload upload, Digest digest, CancellationToken cancellationToken)
    {
        var blob = await upload.CompleteAsync(digest, cancellationToken);
        await links.LinkBlobAsync(repository, digest, blob.Length, cancellationToken);
        await sessions.DeleteUploadAsync(upload.Id, cancellationToken);
        return blob;
    }

    /// <summary>Abandons an upload.</summary>
    public async ValueTask CancelUploadAsync(IBlobUpload upload, CancellationToken cancellationToken)
    {
        await upload.CancelAsync(cancellationToken);
        await sessions.DeleteUploadAsync(upload.Id, cancellationToken);
    }

    /// <summary>Opens a blob of <paramref name="repository"/>.</summary>
    public async ValueTask<Stream?> OpenAsync(string repository, Digest digest, long offset, CancellationToken cancellationToken) =>
        await links.FindBlobLinkAsync(repository, digest, cancellationToken) is not null
            ? await blobs.OpenReadAsync(digest, offset, cancellationToken)
            : null;
}
