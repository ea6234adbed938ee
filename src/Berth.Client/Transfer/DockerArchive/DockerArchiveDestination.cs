using System.Collections.Concurrent;
using System.Security.Cryptography;
using Berth.Client.IO;
using Berth.Protocol;
using Berth.Protocol.Oci;

namespace Berth.Client.Transfer.DockerArchive;

/// <summary>Writes one image as a docker-archive tarball that <c>docker load</c> and skopeo read: the config as
/// <c>HEX.json</c>, each layer as <c>HEX.tar</c> (its bytes as received, so a compressed layer stays compressed),
/// <c>manifest.json</c>, and the legacy <c>repositories</c> file when a name is given.</summary>
/// <remarks>
/// The tarball is written to a temporary file next to the target and renamed over it by <see cref="CommitAsync"/>, so
/// a failed copy leaves no file at the target (and <see cref="DisposeAsync"/> removes the temporary file). A tar is
/// sequential, so concurrent <see cref="PutBlobAsync"/> calls write one at a time; each blob's digest and size are
/// verified while it is written, and a blob that fails is cut off again so the archive holds only verified entries.
/// </remarks>
public sealed class DockerArchiveDestination : IImageDestination
{
    private readonly string _target;
    private readonly string _temporary;
    private readonly FileStream _archive;
    private readonly (string Repository, string Tag)? _repoTag;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly ConcurrentDictionary<string, string> _written = new(StringComparer.Ordinal);
    private ManifestDocument? _root;
    private bool _committed;
    private bool _disposed;

    private DockerArchiveDestination(string name, string target, string temporary, FileStream archive, (string, string)? repoTag)
    {
        Name = name;
        _target = target;
        _temporary = temporary;
        _archive = archive;
        _repoTag = repoTag;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    /// <remarks>Always <see langword="false"/>: a docker-archive holds one image.</remarks>
    public bool SupportsIndex => false;

    /// <summary>Starts an archive at <see cref="DockerArchiveReference.Path"/> (replacing any file there when the copy
    /// commits), tagged <see cref="DockerArchiveReference.Name"/> (<c>:latest</c> when it has no tag) if given.</summary>
    /// <param name="reference">The archive path and optional <c>NAME[:TAG]</c>.</param>
    /// <returns>The destination; dispose it (committed or not).</returns>
    /// <exception cref="TransferException">The name is not a valid <c>NAME:TAG</c>, or the file cannot be created.</exception>
    public static DockerArchiveDestination Create(DockerArchiveReference reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        (string, string)? repoTag = null;
        if (reference.Name is not null)
        {
            if (reference.Name.Contains('@', StringComparison.Ordinal))
            {
                throw new TransferException($"{reference.Text}: a docker-archive is written under NAME:TAG, not a digest");
            }

            var (repository, tag) = DockerArchiveFormat.SplitName(reference.Name);
            if (!DockerArchiveFormat.IsValidRepository(repository) || !ImageReference.IsValidTag(tag))
            {
                throw new TransferException($"{reference.Text}: \"{reference.Name}\" is not a valid NAME:TAG");
            }

            repoTag = (repository, tag);
        }

        var target = Path.GetFullPath(reference.Path);
        if (Directory.Exists(target))
        {
            throw new TransferException($"{reference.Text}: {reference.Path} is a directory");
        }

        var directory = Path.GetDirectoryName(target)!;
        if (!Directory.Exists(directory))
        {
            throw new TransferException($"{reference.Text}: directory {directory} does not exist");
        }

        // Next to the target, so the final rename stays on one file system and is atomic.
        var temporary = Path.Combine(directory, $".{Path.GetFileName(target)}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}.tmp");
        try
        {
            var archive = new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.Asynchronous);
            return new DockerArchiveDestination(reference.Text, target, temporary, archive, repoTag);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TransferException($"{reference.Text}: cannot create the archive: {e.Message}", e);
        }
    }

    /// <inheritdoc/>
    /// <remarks><see cref="BlobPresence.Exists"/> only for a blob already written into this archive.</remarks>
    public Task<BlobPresence> PrepareBlobAsync(Descriptor blob, RegistryLocation? source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        return Task.FromResult(blob.Digest is not null && _written.ContainsKey(blob.Digest) ? BlobPresence.Exists : BlobPresence.Missing);
    }

    /// <inheritdoc/>
    public async Task PutBlobAsync(Descriptor blob, BlobOpener open, Action<long> position, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(open);
        ArgumentNullException.ThrowIfNull(position);
        if (!Digest.TryParse(blob.Digest, out var digest) || blob.Size < 0)
        {
            throw new TransferException($"{Name}: cannot store blob {blob.Digest}: not a valid digest and size");
        }

        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_committed)
            {
                throw new InvalidOperationException("The archive is already committed.");
            }

            if (_written.ContainsKey(blob.Digest!))
            {
                position(blob.Size);
                return;
            }

            var fileName = digest.Hex + (DockerArchiveFormat.IsConfigMediaType(blob.MediaType) ? ".json" : ".tar");
            var start = _archive.Position;
            try
            {
                await WriteBlobAsync(fileName, blob, open, position, cancellationToken);
            }
            catch
            {
                // Cut the partial entry off, so the archive holds only verified blobs and later ones follow cleanly.
                await RewindAsync(start);
                throw;
            }

            _written[blob.Digest!] = fileName;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <inheritdoc/>
    /// <remarks>Only the root image manifest (OCI or Docker v2) is accepted; it gives the config and the layer order.</remarks>
    public Task PutManifestAsync(ManifestContent manifest, bool isRoot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (manifest.IsIndex)
        {
            throw new TransferException($"{Name}: a docker-archive holds one image, not an index; choose a platform");
        }

        if (!isRoot)
        {
            throw new TransferException($"{Name}: a docker-archive holds one image manifest; it cannot store manifest {manifest.Digest} besides it");
        }

        if (manifest.MediaType is not (MediaTypes.OciManifest or MediaTypes.DockerManifest))
        {
            throw new TransferException($"{Name}: cannot store a manifest of type {manifest.MediaType} in a docker-archive");
        }

        var document = manifest.Parse();
        if (document.Config?.Digest is null)
        {
            throw new TransferException($"{Name}: manifest {manifest.Digest} has no config");
        }

        _root = document;
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    /// <exception cref="TransferException">No manifest was stored, a blob it names was not written, or the file
    /// cannot be finished.</exception>
    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_committed)
            {
                return;
            }

            var root = _root ?? throw new TransferException($"{Name}: no image manifest was written");
            var config = FileOf(root.Config!);
            var layers = (root.Layers ?? []).Select(FileOf).ToList();
            var repoTags = _repoTag is var (repository, tag) ? new[] { $"{repository}:{tag}" } : [];
            var start = _archive.Position;
            try
            {
                await WriteSmallFileAsync(DockerArchiveFormat.ManifestFile, DockerArchiveFormat.SerializeManifest(new ArchiveImage(config, repoTags, layers)), cancellationToken);
                if (_repoTag is var (name, label) && layers.Count > 0)
                {
                    // Legacy loaders want the top layer's ID; this archive has no v1 layer directories, so the top
                    // layer's digest stands in. Current docker and skopeo read manifest.json instead.
                    var topLayer = layers[^1][..^".tar".Length];
                    await WriteSmallFileAsync(DockerArchiveFormat.RepositoriesFile, DockerArchiveFormat.SerializeRepositories(name, label, topLayer), cancellationToken);
                }

                // The end of a tar archive: two zero blocks.
                await _archive.WriteAsync(new byte[2 * DockerArchiveFormat.BlockSize], cancellationToken);
                await _archive.FlushAsync(cancellationToken);
                _archive.Flush(flushToDisk: true);
                await _archive.DisposeAsync();
                File.Move(_temporary, _target, overwrite: true);
                _committed = true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new TransferException($"{Name}: cannot finish the archive: {e.Message}", e);
            }
            finally
            {
                if (!_committed && _archive.CanWrite)
                {
                    await RewindAsync(start);
                }
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <inheritdoc/>
    /// <remarks>Without a successful <see cref="CommitAsync"/>, the temporary file is deleted and the target is left as it was.</remarks>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        await _writeGate.WaitAsync();
        try
        {
            _disposed = true;
            await _archive.DisposeAsync();
            if (!_committed)
            {
                // Best effort; a leftover's name starts with a dot and ends in .tmp, so it is recognizable.
                PrivateFiles.TryDelete(_temporary);
            }
        }
        finally
        {
            _writeGate.Release();
        }

        _writeGate.Dispose();
    }

    private string FileOf(Descriptor descriptor) =>
        descriptor.Digest is not null && _written.TryGetValue(descriptor.Digest, out var file)
            ? file
            : throw new TransferException($"{Name}: blob {descriptor.Digest} was not written to the archive");

    private async Task WriteBlobAsync(string fileName, Descriptor blob, BlobOpener open, Action<long> position, CancellationToken cancellationToken)
    {
        await _archive.WriteAsync(DockerArchiveFormat.FileHeader(fileName, blob.Size), cancellationToken);
        try
        {
            await VerifiedBlob.CopyAsync(blob, open, _archive, position, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TransferException($"{Name}: cannot copy blob {blob.Digest}: {e.Message}", e);
        }

        await WritePaddingAsync(blob.Size, cancellationToken);
    }

    private async Task WriteSmallFileAsync(string fileName, byte[] content, CancellationToken cancellationToken)
    {
        await _archive.WriteAsync(DockerArchiveFormat.FileHeader(fileName, content.Length), cancellationToken);
        await _archive.WriteAsync(content, cancellationToken);
        await WritePaddingAsync(content.Length, cancellationToken);
    }

    private async Task WritePaddingAsync(long size, CancellationToken cancellationToken)
    {
        var remainder = (int)(size % DockerArchiveFormat.BlockSize);
        if (remainder != 0)
        {
            await _archive.WriteAsync(new byte[DockerArchiveFormat.BlockSize - remainder], cancellationToken);
        }
    }

    private async Task RewindAsync(long start)
    {
        try
        {
            await _archive.FlushAsync();
            _archive.SetLength(start);
            _archive.Position = start;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The archive is unusable; the copy fails anyway and DisposeAsync removes the temporary file.
        }
    }
}
