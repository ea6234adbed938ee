using System.Security.Cryptography;
using System.Text.Json;
using Berth.Protocol;
using Berth.Protocol.Oci;

namespace Berth.Client.Transfer;

/// <summary>A manifest or index exactly as stored: its bytes, media type and digest.</summary>
/// <param name="Bytes">The bytes; never re-serialized, so digests survive every hop.</param>
/// <param name="MediaType">The media type.</param>
/// <param name="Digest">The digest of <paramref name="Bytes"/>, computed from them by whoever made this (never taken on trust
/// from a header or a descriptor).</param>
public sealed record ManifestContent(byte[] Bytes, string MediaType, string Digest)
{
    /// <summary>Wraps bytes, computing their digest: sha512 when <paramref name="like"/> is a sha512 digest, else sha256.</summary>
    /// <param name="bytes">The manifest.</param>
    /// <param name="mediaType">Its media type.</param>
    /// <param name="like">The digest the bytes were asked for by, if any; its algorithm is the one used.</param>
    /// <returns>The content.</returns>
    public static ManifestContent From(byte[] bytes, string mediaType, string? like = null) =>
        new(bytes, mediaType, like is not null && Protocol.Digest.TryParse(like, out var parsed) && parsed.Algorithm == "sha512"
            ? Protocol.Digest.FromHash("sha512", SHA512.HashData(bytes)).ToString()
            : Protocol.Digest.Sha256(bytes).ToString());

    /// <summary>Whether this is an index (OCI index or Docker manifest list).</summary>
    public bool IsIndex => MediaTypes.IsIndex(MediaType);

    /// <summary>Parses the members a copy needs.</summary>
    /// <returns>The document.</returns>
    /// <exception cref="TransferException">The bytes are not a manifest.</exception>
    public ManifestDocument Parse()
    {
        try
        {
            return JsonSerializer.Deserialize(Bytes, OciDocumentJsonContext.Default.ManifestDocument)
                ?? throw new TransferException($"manifest {Digest} is empty");
        }
        catch (JsonException e)
        {
            throw new TransferException($"manifest {Digest} is not valid JSON: {e.Message}");
        }
    }

    /// <summary>A descriptor that points at this manifest.</summary>
    /// <returns>Media type, digest and size.</returns>
    public Descriptor ToDescriptor() => new(MediaType, Digest, Bytes.LongLength);
}

/// <summary>A repository on a registry, so a destination on the same registry can mount blobs from it.</summary>
/// <param name="Host">The registry host (with port).</param>
/// <param name="Repository">The repository name.</param>
public sealed record RegistryLocation(string Host, string Repository);

/// <summary>Where an image comes from: a registry repository, an OCI layout or a docker-archive tarball.</summary>
public interface IImageSource : IAsyncDisposable
{
    /// <summary>The reference as the user wrote it, for messages.</summary>
    string Name { get; }

    /// <summary>The registry repository behind this source, or <see langword="null"/> when it is not a registry.</summary>
    RegistryLocation? Location { get; }

    /// <summary>Reads the manifest the reference names (<paramref name="digest"/> <see langword="null"/>) or a child by digest.</summary>
    /// <param name="digest">A child manifest's digest, or <see langword="null"/> for the root.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The manifest as stored.</returns>
    /// <exception cref="TransferException">It does not exist or cannot be read.</exception>
    Task<ManifestContent> GetManifestAsync(string? digest, CancellationToken cancellationToken);

    /// <summary>Opens a blob's bytes from <paramref name="offset"/> to its end. The caller disposes the stream.</summary>
    /// <param name="blob">The blob.</param>
    /// <param name="offset">Where to start (non-zero when an upload resumes).</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>A stream of the remaining bytes.</returns>
    /// <exception cref="TransferException">The blob does not exist or cannot be read.</exception>
    Task<Stream> OpenBlobAsync(Descriptor blob, long offset, CancellationToken cancellationToken);
}

/// <summary>What a destination already had before a blob was copied.</summary>
public enum BlobPresence
{
    /// <summary>It must be copied.</summary>
    Missing,

    /// <summary>The destination has it (a registry answered HEAD with 200, a layout has the file).</summary>
    Exists,

    /// <summary>The registry mounted it from the source repository; no bytes moved.</summary>
    Mounted,
}

/// <summary>Opens a blob's bytes from an offset; an upload that resumes calls it again with the server's offset.</summary>
/// <param name="offset">The first byte wanted.</param>
/// <param name="cancellationToken">Cancels the open.</param>
/// <returns>A stream of the bytes from <paramref name="offset"/> on.</returns>
public delegate Task<Stream> BlobOpener(long offset, CancellationToken cancellationToken);

/// <summary>Where an image goes.</summary>
/// <remarks>
/// The copier calls <see cref="PrepareBlobAsync"/> and <see cref="PutBlobAsync"/> concurrently for different blobs
/// (bounded by the job count), then <see cref="PutManifestAsync"/> for each child manifest and last for the root, then
/// <see cref="CommitAsync"/>. Destinations that write local files verify each blob's digest and size while writing.
/// </remarks>
public interface IImageDestination : IAsyncDisposable
{
    /// <summary>The reference as the user wrote it, for messages.</summary>
    string Name { get; }

    /// <summary>Whether the destination can hold an index (a docker-archive cannot; the copier picks one platform).</summary>
    bool SupportsIndex { get; }

    /// <summary>Checks whether the blob must be copied; a registry tries a cross-repository mount from
    /// <paramref name="source"/> when it is a repository on the same registry.</summary>
    /// <param name="blob">The blob.</param>
    /// <param name="source">Where the blob comes from.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>Whether it is missing, exists or was mounted.</returns>
    Task<BlobPresence> PrepareBlobAsync(Descriptor blob, RegistryLocation? source, CancellationToken cancellationToken);

    /// <summary>Writes a blob.</summary>
    /// <param name="blob">The blob, with its digest and size.</param>
    /// <param name="open">Opens the source bytes from an offset; called again to resume after a failure.</param>
    /// <param name="position">Reports how many bytes of the blob have been sent so far (absolute; it may go back when
    /// an upload resumes from the server's offset).</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the blob is stored and verified.</returns>
    /// <exception cref="TransferException">The write failed for good, or the bytes do not match the digest.</exception>
    Task PutBlobAsync(Descriptor blob, BlobOpener open, Action<long> position, CancellationToken cancellationToken);

    /// <summary>Stores a manifest: children by digest, the root under the reference's tag (or by digest without one).</summary>
    /// <param name="manifest">The manifest.</param>
    /// <param name="isRoot">Whether it is the manifest the destination reference names.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when it is stored.</returns>
    Task PutManifestAsync(ManifestContent manifest, bool isRoot, CancellationToken cancellationToken);

    /// <summary>Finishes the image (an OCI layout writes index.json, a docker-archive its manifest.json).</summary>
    /// <param name="cancellationToken">Cancels the commit.</param>
    /// <returns>A task that completes when the image is complete at the destination.</returns>
    Task CommitAsync(CancellationToken cancellationToken);
}

/// <summary>Receives the events of a copy, to render progress. Called from several threads at once.</summary>
public interface ITransferProgress
{
    /// <summary>A blob is about to be checked and copied.</summary>
    /// <param name="blob">The blob.</param>
    void BlobQueued(Descriptor blob);

    /// <summary>Bytes of the blob moved; <paramref name="position"/> is absolute and may go back on a resume.</summary>
    /// <param name="blob">The blob.</param>
    /// <param name="position">Bytes sent so far.</param>
    void BlobPosition(Descriptor blob, long position);

    /// <summary>The blob was not copied because the destination had it or mounted it.</summary>
    /// <param name="blob">The blob.</param>
    /// <param name="presence">Why.</param>
    void BlobSkipped(Descriptor blob, BlobPresence presence);

    /// <summary>The blob is stored at the destination.</summary>
    /// <param name="blob">The blob.</param>
    void BlobCompleted(Descriptor blob);

    /// <summary>A manifest was written.</summary>
    /// <param name="manifest">The manifest.</param>
    /// <param name="isRoot">Whether it is the root.</param>
    void ManifestWritten(ManifestContent manifest, bool isRoot);
}

/// <summary>A copy failed; the message is one line for the user, without secrets.</summary>
public sealed class TransferException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TransferException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">One line for the user.</param>
    public TransferException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">One line for the user.</param>
    /// <param name="innerException">The cause.</param>
    public TransferException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
