using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Berth.Protocol;
using Berth.Registry;
using Berth.Registry.Storage;

namespace Berth.Storage.FileSystem;

/// <summary>Blobs as files on local disk, the embedded default; the only class that knows the on-disk layout.</summary>
/// <remarks>
/// Layout: <c>blobs/&lt;algorithm&gt;/&lt;first two hex&gt;/&lt;hex&gt;</c> for published blobs and
/// <c>uploads/&lt;uuid&gt;</c> for uploads in progress. A blob is published by fsync + rename of its upload file after
/// the digest was verified, so a reader never sees a partial blob and a crash leaves at most an orphaned upload.
/// The running hash of each upload is kept in memory; after a restart it is rebuilt by reading the file once.
/// </remarks>
public sealed class FileSystemBlobStore : IBlobStore, IBlobFileProvider
{
    internal const int BufferSize = 1024 * 1024;

    private readonly string _blobs;
    private readonly string _uploads;
    private readonly ConcurrentDictionary<string, HashState> _hashes = new(StringComparer.Ordinal);

    /// <summary>Uses (and creates) <paramref name="root"/>.</summary>
    public FileSystemBlobStore(string root)
    {
        _blobs = Path.Combine(root, "blobs");
        _uploads = Path.Combine(root, "uploads");
        Directory.CreateDirectory(_blobs);
        Directory.CreateDirectory(_uploads);
    }

    /// <inheritdoc/>
    public ValueTask<BlobInfo?> StatAsync(Digest digest, CancellationToken cancellationToken)
    {
        var file = new FileInfo(BlobPath(digest));
        return ValueTask.FromResult<BlobInfo?>(file.Exists ? new BlobInfo(digest, file.Length) : null);
    }

    /// <inheritdoc/>
    public ValueTask<Stream?> OpenReadAsync(Digest digest, long offset, CancellationToken cancellationToken)
    {
        try
        {
            var stream = new FileStream(BlobPath(digest), new FileStreamOptions
            {
                Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.Read | FileShare.Delete,
                Options = FileOptions.Asynchronous | FileOptions.SequentialScan, BufferSize = 0,
            });
            stream.Seek(offset, SeekOrigin.Begin);
            return ValueTask.FromResult<Stream?>(stream);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return ValueTask.FromResult<Stream?>(null);
        }
    }

    /// <inheritdoc/>
    public string? FindFile(Digest digest)
    {
        var path = BlobPath(digest);
        return File.Exists(path) ? path : null;
    }

    /// <inheritdoc/>
    public ValueTask<IBlobUpload> BeginUploadAsync(CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid().ToString("D");
        using (new FileStream(UploadPath(id), FileMode.CreateNew, FileAccess.Write))
        {
        }

        return ValueTask.FromResult<IBlobUpload>(new Upload(this, id, 0));
    }

    /// <inheritdoc/>
    public ValueTask<IBlobUpload?> ResumeUploadAsync(string uploadId, CancellationToken cancellationToken)
    {
        // Only ids this store made (canonical UUIDs) ever reach the file system.
        if (!Guid.TryParseExact(uploadId, "D", out var guid) || guid.ToString("D") != uploadId)
        {
            return ValueTask.FromResult<IBlobUpload?>(null);
        }

        var file = new FileInfo(UploadPath(uploadId));
        return ValueTask.FromResult<IBlobUpload?>(file.Exists ? new Upload(this, uploadId, file.Length) : null);
    }

    /// <inheritdoc/>
    public ValueTask<bool> DeleteAsync(Digest digest, CancellationToken cancellationToken)
    {
        var path = BlobPath(digest);
        var existed = File.Exists(path);
        File.Delete(path);
        return ValueTask.FromResult(existed);
    }

    private string BlobPath(Digest digest) => Path.Combine(_blobs, digest.Algorithm, digest.Hex[..2], digest.Hex);

    private string UploadPath(string id) => Path.Combine(_uploads, id);

    private sealed class HashState(IncrementalHash hash, long length)
    {
        public IncrementalHash Hash { get; } = hash;

        public long Length { get; set; } = length;
    }

    private sealed class Upload(FileSystemBlobStore store, string id, long length) : IBlobUpload
    {
        public string Id { get; } = id;

        public long Length { get; private set; } = length;

        private string FilePath => store.UploadPath(Id);

        public async ValueTask AppendAsync(Stream content, long expectedOffset, CancellationToken cancellationToken)
        {
            // One writer per upload: the exclusive open (flock on Unix) also holds off other processes, and the
            // offset is checked against the file itself, not against what this request saw when it started.
            await using var file = OpenExclusive();
            Length = file.Length;
            if (expectedOffset != Length)
            {
                throw new RegistryException(RegistryError.RangeInvalid, $"the upload is at offset {Length}, not {expectedOffset}");
            }

            var state = await SyncHashAsync(file, cancellationToken);
            var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            try
            {
                file.Seek(Length, SeekOrigin.Begin);
                int read;
                while ((read = await content.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken)) > 0)
                {
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    state.Hash.AppendData(buffer, 0, read);
                    Length += read;
                    state.Length = Length;
                }
            }
            catch
            {
                // A write may have landed partly: forget the running hash, it is rebuilt from the file next time.
                store._hashes.TryRemove(Id, out _);
                Length = file.Length;
                throw;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        public async ValueTask<BlobInfo> CompleteAsync(Digest expected, CancellationToken cancellationToken)
        {
            // Held until the file is renamed: no append can slip in between verifying and publishing.
            await using var exclusive = OpenExclusive();
            Length = exclusive.Length;
            byte[] actual;
            if (expected.Algorithm == "sha256")
            {
                var state = await SyncHashAsync(exclusive, cancellationToken);
                actual = state.Hash.GetCurrentHash();
            }
            else
            {
                using var hash = IncrementalHash.CreateHash(expected.HashAlgorithm);
                await HashFileAsync(hash, exclusive, cancellationToken);
                actual = hash.GetCurrentHash();
            }

            if (!CryptographicOperations.FixedTimeEquals(actual, Convert.FromHexString(expected.Hex)))
            {
                throw new RegistryException(RegistryError.DigestInvalid, $"the uploaded content does not match digest {expected}");
            }

            exclusive.Flush(flushToDisk: true);

            var target = store.BlobPath(expected);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            try
            {
                if (File.Exists(target))
                {
                    File.Delete(FilePath);
                }
                else
                {
                    File.Move(FilePath, target, overwrite: false);
                }
            }
            catch (IOException) when (File.Exists(target))
            {
                // Another upload of the same content won the race; its file is identical.
                File.Delete(FilePath);
            }

            store._hashes.TryRemove(Id, out _);
            return new BlobInfo(expected, Length);
        }

        public ValueTask CancelAsync(CancellationToken cancellationToken)
        {
            File.Delete(FilePath);
            if (store._hashes.TryRemove(Id, out var state))
            {
                state.Hash.Dispose();
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        private FileStream OpenExclusive()
        {
            try
            {
                return new FileStream(FilePath, new FileStreamOptions
                {
                    Mode = FileMode.Open, Access = FileAccess.ReadWrite, Share = FileShare.None, Options = FileOptions.Asynchronous, BufferSize = 0,
                });
            }
            catch (FileNotFoundException)
            {
                throw new RegistryException(RegistryError.BlobUploadUnknown, $"upload '{Id}' no longer exists");
            }
            catch (IOException)
            {
                // The Range the client is told to continue from is what the file holds right now.
                Length = new FileInfo(FilePath) is { Exists: true } current ? current.Length : Length;
                throw new RegistryException(RegistryError.RangeInvalid, "another request is writing to this upload; ask for its status and continue from its Range");
            }
        }

        private async ValueTask<HashState> SyncHashAsync(FileStream file, CancellationToken cancellationToken)
        {
            if (store._hashes.TryGetValue(Id, out var state) && state.Length == Length)
            {
                return state;
            }

            var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await HashFileAsync(hash, file, cancellationToken);
            state = new HashState(hash, Length);
            store._hashes[Id] = state;
            return state;
        }

        private async Task HashFileAsync(IncrementalHash hash, FileStream file, CancellationToken cancellationToken)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            try
            {
                file.Seek(0, SeekOrigin.Begin);
                var remaining = Length;
                while (remaining > 0)
                {
                    var read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(BufferSize, remaining)), cancellationToken);
                    if (read == 0)
                    {
                        break;
                    }

                    hash.AppendData(buffer, 0, read);
                    remaining -= read;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
