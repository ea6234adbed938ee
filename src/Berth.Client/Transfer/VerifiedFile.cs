using System.Buffers;
using System.Security.Cryptography;
using Berth.Protocol;
using Berth.Protocol.Oci;

namespace Berth.Client.Transfer;

/// <summary>Writes a blob to a file so that the file exists under its final name only with the right bytes.</summary>
public static class VerifiedFile
{
    private const int BufferSize = 1024 * 1024;
    private const int ReadAttempts = 4;

    /// <summary>Streams a blob into a temporary file beside <paramref name="path"/>, hashing while writing, and renames it
    /// into place when the digest and size match. A read that fails mid-way reopens the source at the byte it reached.</summary>
    /// <param name="path">The final path.</param>
    /// <param name="blob">The expected digest and size.</param>
    /// <param name="open">Opens the source from an offset.</param>
    /// <param name="position">Receives bytes written so far.</param>
    /// <param name="cancellationToken">Cancels the write; the temporary file is removed.</param>
    /// <returns>A task that completes when the file is in place.</returns>
    /// <exception cref="TransferException">The content does not match, or the source or the file failed for good.</exception>
    public static async Task WriteAsync(string path, Descriptor blob, BlobOpener open, Action<long> position, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(open);
        ArgumentNullException.ThrowIfNull(position);
        if (!Digest.TryParse(blob.Digest, out var expected))
        {
            throw new TransferException($"invalid digest \"{blob.Digest}\"");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = $"{path}.{Guid.NewGuid():N}.partial";
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            using var hash = IncrementalHash.CreateHash(expected.HashAlgorithm);
            long written = 0;
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous))
            {
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        await using var source = await open(written, cancellationToken).ConfigureAwait(false);
                        int read;
                        while ((read = await source.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
                        {
                            hash.AppendData(buffer, 0, read);
                            await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                            written += read;
                            position(written);
                            if (written > blob.Size)
                            {
                                throw new TransferException($"blob {blob.Digest} is larger than its descriptor's {blob.Size} bytes");
                            }
                        }

                        break;
                    }
                    catch (Exception e) when (attempt < ReadAttempts && e is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
                    {
                        // The source dropped (a registry connection reset): carry on from the last byte written.
                        await Task.Delay(TimeSpan.FromMilliseconds(250 * attempt), cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            var actual = Digest.FromHash(expected.Algorithm, hash.GetHashAndReset());
            if (written != blob.Size || actual != expected)
            {
                throw new TransferException($"blob {blob.Digest} failed verification: got {written} bytes hashing to {actual}, expected {blob.Size} bytes");
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TransferException($"cannot write {path}: {e.Message}", e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            File.Delete(temporary);
        }
    }
}
