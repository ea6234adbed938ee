using System.Buffers;
using System.Security.Cryptography;
using Berth.Client.IO;
using Berth.Protocol;
using Berth.Protocol.Oci;

namespace Berth.Client.Transfer;

/// <summary>Moves a blob's bytes into local storage so that only the bytes its descriptor names are ever kept.</summary>
public static class VerifiedBlob
{
    private const int BufferSize = 1024 * 1024;

    // A source that breaks off (a registry connection reset) is opened again where it stopped; the third break ends it.
    private const int MaxSourceFailures = 3;

    /// <summary>Streams a blob into a temporary file beside <paramref name="path"/> with <see cref="CopyAsync"/> and
    /// renames it into place only when the digest and size match.</summary>
    /// <param name="path">The final path.</param>
    /// <param name="blob">The expected digest and size.</param>
    /// <param name="open">Opens the source from an offset.</param>
    /// <param name="position">Receives bytes written so far.</param>
    /// <param name="cancellationToken">Cancels the write; the temporary file is removed.</param>
    /// <returns>A task that completes when the file is in place.</returns>
    /// <exception cref="TransferException">The content does not match, or the source or the file failed for good.</exception>
    public static async Task WriteFileAsync(string path, Descriptor blob, BlobOpener open, Action<long> position, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = $"{path}.{Guid.NewGuid():N}.partial";
        try
        {
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous))
            {
                await CopyAsync(blob, open, file, position, cancellationToken).ConfigureAwait(false);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TransferException($"cannot write {path}: {e.Message}", e);
        }
        finally
        {
            // After a successful rename there is nothing to delete; after a failure, a failing delete must not hide why.
            PrivateFiles.TryDelete(temporary);
        }
    }

    /// <summary>Copies a blob's bytes to the end of <paramref name="target"/>, hashing them as they go, and checks size
    /// and digest. A source that fails mid-way is reopened at the byte reached; a failed write is not retried (it may
    /// have left part of a buffer behind), so the caller must discard what was written when this throws.</summary>
    /// <param name="blob">The expected digest and size.</param>
    /// <param name="open">Opens the source from an offset.</param>
    /// <param name="target">Where the bytes go.</param>
    /// <param name="position">Receives bytes written so far.</param>
    /// <param name="cancellationToken">Cancels the copy.</param>
    /// <returns>A task that completes when every byte is written and verified.</returns>
    /// <exception cref="TransferException">The descriptor is invalid, the bytes do not match it, or the source kept failing.</exception>
    public static async Task CopyAsync(Descriptor blob, BlobOpener open, Stream target, Action<long> position, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(open);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(position);
        if (!Digest.TryParse(blob.Digest, out var expected) || blob.Size < 0)
        {
            throw new TransferException($"invalid digest \"{blob.Digest}\" or size {blob.Size}");
        }

        using var hash = IncrementalHash.CreateHash(expected.HashAlgorithm);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        Stream? source = null;
        try
        {
            long written = 0;
            var failures = 0;
            while (true)
            {
                int read;
                try
                {
                    source ??= await open(written, cancellationToken).ConfigureAwait(false);
                    read = await source.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or HttpRequestException && ++failures < MaxSourceFailures && !cancellationToken.IsCancellationRequested)
                {
                    if (source is not null)
                    {
                        await source.DisposeAsync().ConfigureAwait(false);
                        source = null;
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(250 * failures), cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (read == 0)
                {
                    break;
                }

                if (written + read > blob.Size)
                {
                    throw new TransferException($"blob {blob.Digest} failed verification: it has more than the {blob.Size} bytes its descriptor gives");
                }

                hash.AppendData(buffer, 0, read);
                await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                written += read;
                position(written);
            }

            var actual = Digest.FromHash(expected.Algorithm, hash.GetHashAndReset());
            if (written != blob.Size || actual != expected)
            {
                throw new TransferException($"blob {blob.Digest} failed verification: got {written} bytes hashing to {actual}, expected {blob.Size} bytes");
            }
        }
        finally
        {
            if (source is not null)
            {
                await source.DisposeAsync().ConfigureAwait(false);
            }

            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
