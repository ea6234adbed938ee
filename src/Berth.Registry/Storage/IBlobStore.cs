using Berth.Protocol;

namespace Berth.Registry.Storage;

/// <summary>Content-addressed blob bytes. Knows nothing of repositories, tags or manifests.</summary>
/// <remarks>Safe for concurrent use. A blob becomes visible only after its digest has been verified.
/// Every implementation must pass <c>BlobStoreConformanceTests</c>.</remarks>
public interface IBlobStore
{
    /// <summary>Returns the blob's size, or <see langword="null"/> if it is not stored.</summary>
    ValueTask<BlobInfo?> StatAsync(Digest digest, CancellationToken cancellationToken);

    /// <summary>Opens the blob at <paramref name="offset"/>, or returns <see langword="null"/> if it is not stored.</summary>
    ValueTask<Stream?> OpenReadAsync(Digest digest, long offset, CancellationToken cancellationToken);

    /// <summary>Starts an upload whose <see cref="IBlobUpload.Id"/> survives process restarts.</summary>
    ValueTask<IBlobUpload> BeginUploadAsync(CancellationToken cancellationToken);

    /// <summary>Reattaches to an upload, or returns <see langword="null"/> if it expired or never existed.</summary>
    ValueTask<IBlobUpload?> ResumeUploadAsync(string uploadId, CancellationToken cancellationToken);

    /// <summary>Deletes the blob; returns <see langword="false"/> if it was not stored.</summary>
    ValueTask<bool> DeleteAsync(Digest digest, CancellationToken cancellationToken);
}

/// <summary>One in-progress upload. Not thread-safe: a single request appends at a time.</summary>
public interface IBlobUpload : IAsyncDisposable
{
    /// <summary>The id clients carry in the upload URL.</summary>
    string Id { get; }

    /// <summary>Bytes received so far.</summary>
    long Length { get; }

    /// <summary>Appends <paramref name="content"/> at <paramref name="expectedOffset"/>, hashing while writing.</summary>
    /// <exception cref="RegistryException"><see cref="RegistryError.RangeInvalid"/> if the offset is not <see cref="Length"/>.</exception>
    ValueTask AppendAsync(Stream content, long expectedOffset, CancellationToken cancellationToken);

    /// <summary>Verifies that the bytes hash to <paramref name="expected"/>, then publishes the blob atomically.</summary>
    /// <exception cref="RegistryException"><see cref="RegistryError.DigestInvalid"/> when they do not; nothing is published.</exception>
    ValueTask<BlobInfo> CompleteAsync(Digest expected, CancellationToken cancellationToken);

    /// <summary>Discards written data. Safe to call repeatedly, including after completion.</summary>
    ValueTask CancelAsync(CancellationToken cancellationToken);
}

/// <summary>A stored blob.</summary>
/// <param name="Digest">Its digest.</param>
/// <param name="Length">Its size in bytes.</param>
public readonly record struct BlobInfo(Digest Digest, long Length);

/// <summary>Optional: stores that keep blobs as local files let the server send them with zero-copy I/O.</summary>
public interface IBlobFileProvider
{
    /// <summary>The blob's file path, or <see langword="null"/> if it is not stored.</summary>
    string? FindFile(Digest digest);
}
