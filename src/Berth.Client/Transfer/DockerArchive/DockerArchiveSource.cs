using System.Buffers;
using System.Formats.Tar;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Berth.Protocol;
using Berth.Protocol.Oci;

namespace Berth.Client.Transfer.DockerArchive;

/// <summary>Reads one image from a docker-archive tarball (<c>docker save</c>, <c>skopeo copy … docker-archive:</c>)
/// and presents it as an OCI image manifest whose blobs are the archive's files, byte for byte.</summary>
/// <remarks>
/// The tarball is indexed once; blobs are served straight from the file as bounded windows over each entry's data
/// (no extraction, no temporary copies, seekable so an upload can resume). Layer digests are computed on the first
/// manifest read by streaming each file once, and kept for the source's lifetime.
/// </remarks>
public sealed class DockerArchiveSource : IImageSource
{
    private const int HashBufferSize = 1024 * 1024;

    private readonly string _path;
    private readonly ArchiveImage _image;
    private readonly Dictionary<string, TarSpan> _files;
    private readonly Dictionary<string, string> _links;
    private readonly SemaphoreSlim _manifestGate = new(1, 1);
    private ManifestContent? _manifest;
    private Dictionary<string, TarSpan>? _blobs;

    private DockerArchiveSource(string name, string path, ArchiveImage image, Dictionary<string, TarSpan> files, Dictionary<string, string> links)
    {
        Name = name;
        _path = path;
        _image = image;
        _files = files;
        _links = links;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    /// <remarks>Always <see langword="null"/>: a tarball is not a registry repository.</remarks>
    public RegistryLocation? Location => null;

    /// <summary>The <c>NAME:TAG</c>s the selected image was saved under.</summary>
    public IReadOnlyList<string> RepoTags => _image.RepoTags;

    /// <summary>Indexes the tarball and selects the image <see cref="DockerArchiveReference.Name"/> names (a
    /// <c>RepoTags</c> entry, or <c>@N</c> for the N-th image), or the only image when no name is given.</summary>
    /// <param name="reference">The archive and optional name.</param>
    /// <returns>The source.</returns>
    /// <exception cref="TransferException">The file is missing or not a docker-archive, or the name selects no image
    /// (or several images and no name).</exception>
    public static DockerArchiveSource Open(DockerArchiveReference reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var path = Path.GetFullPath(reference.Path);
        var files = new Dictionary<string, TarSpan>(StringComparer.Ordinal);
        var links = new Dictionary<string, string>(StringComparer.Ordinal);
        byte[]? manifestJson = null;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            Span<byte> magic = stackalloc byte[4];
            var magicLength = stream.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
            if (DockerArchiveFormat.LayerMediaType(magic[..magicLength]) != DockerArchiveFormat.OciLayer)
            {
                throw new TransferException($"{reference.Text}: the archive is compressed; decompress it first (e.g. gunzip or zstd -d)");
            }

            stream.Position = 0;
            using var reader = new TarReader(stream, leaveOpen: true);
            while (reader.GetNextEntry(copyData: false) is { } entry)
            {
                var name = DockerArchiveFormat.NormalizePath(entry.Name);
                if (name is null or "")
                {
                    continue;
                }

                switch (entry.EntryType)
                {
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                        if (entry.DataOffset < 0)
                        {
                            throw new TransferException($"{reference.Text}: cannot locate the data of {name}");
                        }

                        // A later entry with the same name replaces an earlier one, as tar extraction would.
                        links.Remove(name);
                        files[name] = new TarSpan(entry.DataOffset, entry.Length);
                        if (name == DockerArchiveFormat.ManifestFile)
                        {
                            manifestJson = ReadSmall(stream, files[name], reference.Text);
                        }

                        break;
                    case TarEntryType.SymbolicLink:
                        // Relative to the link's directory (old docker save links repeated layers this way).
                        var directory = name.Contains('/', StringComparison.Ordinal) ? name[..name.LastIndexOf('/')] : "";
                        var target = entry.LinkName.StartsWith('/') ? entry.LinkName : $"{directory}/{entry.LinkName}";
                        AddLink(files, links, name, target);
                        break;
                    case TarEntryType.HardLink:
                        AddLink(files, links, name, entry.LinkName);
                        break;
                    default:
                        break;
                }
            }
        }
        catch (FileNotFoundException)
        {
            throw new TransferException($"{reference.Text}: no such file");
        }
        catch (DirectoryNotFoundException)
        {
            throw new TransferException($"{reference.Text}: no such file");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new TransferException($"{reference.Text}: cannot read the archive: {e.Message}", e);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new TransferException($"{reference.Text}: not a valid tar archive: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new TransferException($"{reference.Text}: cannot read the archive: {e.Message}", e);
        }

        if (manifestJson is null)
        {
            throw new TransferException($"{reference.Text}: not a docker-archive (no manifest.json)");
        }

        var images = DockerArchiveFormat.ParseManifest(manifestJson, reference.Text);
        var image = Select(images, reference);
        return new DockerArchiveSource(reference.Text, path, image, files, links);
    }

    /// <inheritdoc/>
    /// <remarks>The root is a synthesized OCI image manifest; an archive holds one image, so any other digest fails.</remarks>
    public async Task<ManifestContent> GetManifestAsync(string? digest, CancellationToken cancellationToken)
    {
        var manifest = await GetRootAsync(cancellationToken);
        if (digest is not null && digest != manifest.Digest)
        {
            throw new TransferException($"{Name}: a docker-archive holds a single image manifest; it has no manifest {digest}");
        }

        return manifest;
    }

    /// <inheritdoc/>
    public async Task<Stream> OpenBlobAsync(Descriptor blob, long offset, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        await GetRootAsync(cancellationToken);
        if (blob.Digest is null || !_blobs!.TryGetValue(blob.Digest, out var span))
        {
            throw new TransferException($"{Name}: the archive has no blob {blob.Digest}");
        }

        if (blob.Size != span.Length)
        {
            throw new TransferException($"{Name}: blob {blob.Digest} is {span.Length} bytes in the archive, not {blob.Size}");
        }

        if (offset < 0 || offset > span.Length)
        {
            throw new TransferException($"{Name}: offset {offset} is outside blob {blob.Digest} ({span.Length} bytes)");
        }

        return OpenSpan(span, offset);
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _manifestGate.Dispose();
        return ValueTask.CompletedTask;
    }

    private static void AddLink(Dictionary<string, TarSpan> files, Dictionary<string, string> links, string name, string target)
    {
        files.Remove(name);
        if (DockerArchiveFormat.NormalizePath(target) is { Length: > 0 } normalized)
        {
            links[name] = normalized;
        }
    }

    private static byte[] ReadSmall(FileStream stream, TarSpan span, string archive)
    {
        // manifest.json lists a few file names per image; anything huge is not one.
        if (span.Length > 16 * 1024 * 1024)
        {
            throw new TransferException($"{archive}: manifest.json is too large ({span.Length} bytes)");
        }

        var position = stream.Position;
        var bytes = new byte[span.Length];
        stream.Position = span.Offset;
        stream.ReadExactly(bytes);
        stream.Position = position;
        return bytes;
    }

    private static ArchiveImage Select(List<ArchiveImage> images, DockerArchiveReference reference)
    {
        if (images.Count == 0)
        {
            throw new TransferException($"{reference.Text}: the archive's manifest.json lists no image");
        }

        if (reference.Name is null)
        {
            return images.Count == 1
                ? images[0]
                : throw new TransferException($"{reference.Text}: the archive holds {images.Count} images; name one as docker-archive:FILE:NAME:TAG ({Describe(images)})");
        }

        if (reference.Name.StartsWith('@'))
        {
            return int.TryParse(reference.Name.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < images.Count
                ? images[index]
                : throw new TransferException($"{reference.Text}: no image {reference.Name} (the archive holds {images.Count}: {Describe(images)})");
        }

        var wanted = DockerArchiveFormat.Familiar(reference.Name);
        var matches = images.Where(i => i.RepoTags.Any(t => t == reference.Name || DockerArchiveFormat.Familiar(t) == wanted)).ToList();
        return matches.Count == 1
            ? matches[0]
            : matches.Count == 0
                ? throw new TransferException($"{reference.Text}: no image tagged {reference.Name} (the archive has {Describe(images)})")
                : throw new TransferException($"{reference.Text}: {matches.Count} images are tagged {reference.Name}; select one as @N ({Describe(images)})");
    }

    private static string Describe(List<ArchiveImage> images) =>
        string.Join(", ", images.Select((image, i) => image.RepoTags.Count == 0 ? $"@{i} untagged" : $"@{i} {string.Join(" ", image.RepoTags)}"));

    private async Task<ManifestContent> GetRootAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _manifest) is { } ready)
        {
            return ready;
        }

        await _manifestGate.WaitAsync(cancellationToken);
        try
        {
            if (_manifest is not null)
            {
                return _manifest;
            }

            var blobs = new Dictionary<string, TarSpan>(StringComparer.Ordinal);
            var configSpan = Resolve(_image.Config);
            var (configDigest, _) = await HashAsync(configSpan, cancellationToken);
            blobs[configDigest] = configSpan;

            // The same file may be listed twice (an empty layer repeated); hash each file once.
            var hashed = new Dictionary<TarSpan, (string Digest, string MediaType)>();
            var layers = new List<Descriptor>(_image.Layers.Count);
            foreach (var layerPath in _image.Layers)
            {
                var span = Resolve(layerPath);
                if (!hashed.TryGetValue(span, out var layer))
                {
                    layer = await HashAsync(span, cancellationToken);
                    hashed[span] = layer;
                }

                blobs[layer.Digest] = span;
                layers.Add(new Descriptor(layer.MediaType, layer.Digest, span.Length));
            }

            _blobs = blobs;
            var manifest = ManifestContent.From(
                SerializeManifest(new Descriptor(DockerArchiveFormat.OciConfig, configDigest, configSpan.Length), layers),
                MediaTypes.OciManifest);
            Volatile.Write(ref _manifest, manifest);
            return manifest;
        }
        finally
        {
            _manifestGate.Release();
        }
    }

    private TarSpan Resolve(string archivePath)
    {
        var name = DockerArchiveFormat.NormalizePath(archivePath)
            ?? throw new TransferException($"{Name}: manifest.json names {archivePath}, which is outside the archive");

        // Links may chain; a loop or a dangling link is a broken archive.
        for (var hops = 0; hops < 32; hops++)
        {
            if (_files.TryGetValue(name, out var span))
            {
                return span;
            }

            if (!_links.TryGetValue(name, out var target))
            {
                throw new TransferException($"{Name}: manifest.json names {archivePath}, which the archive does not contain");
            }

            name = target;
        }

        throw new TransferException($"{Name}: {archivePath} is a link that does not lead to a file");
    }

    // One pass over the file: the digest of the stored bytes, and the layer media type from their first bytes.
    private async Task<(string Digest, string MediaType)> HashAsync(TarSpan span, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(HashBufferSize);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using var stream = OpenSpan(span, 0);
            var head = Array.Empty<byte>();
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(0, HashBufferSize), cancellationToken)) > 0)
            {
                if (head.Length < 4)
                {
                    head = [.. head, .. buffer.AsSpan(0, Math.Min(read, 4 - head.Length))];
                }

                hash.AppendData(buffer, 0, read);
            }

            if (stream.Position != span.Length)
            {
                throw new TransferException($"{Name}: the archive is truncated");
            }

            return (Digest.FromHash("sha256", hash.GetHashAndReset()).ToString(), DockerArchiveFormat.LayerMediaType(head));
        }
        catch (IOException e)
        {
            throw new TransferException($"{Name}: cannot read the archive: {e.Message}", e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private BoundedReadStream OpenSpan(TarSpan span, long offset)
    {
        try
        {
            // Each reader gets its own handle, so concurrent blob reads never share a file position.
            var file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous);
            if (file.Length < span.Offset + span.Length)
            {
                file.Dispose();
                throw new TransferException($"{Name}: the archive is shorter than when it was opened");
            }

            return new BoundedReadStream(file, span.Offset, span.Length, offset);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TransferException($"{Name}: cannot read the archive: {e.Message}", e);
        }
    }

    // Members in a fixed order with no optional whitespace: the same archive always gives the same manifest digest.
    private static byte[] SerializeManifest(Descriptor config, List<Descriptor> layers)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("schemaVersion", 2);
            json.WriteString("mediaType", MediaTypes.OciManifest);
            json.WritePropertyName("config");
            WriteDescriptor(json, config);
            json.WriteStartArray("layers");
            foreach (var layer in layers)
            {
                WriteDescriptor(json, layer);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void WriteDescriptor(Utf8JsonWriter json, Descriptor descriptor)
    {
        json.WriteStartObject();
        json.WriteString("mediaType", descriptor.MediaType);
        json.WriteString("digest", descriptor.Digest);
        json.WriteNumber("size", descriptor.Size);
        json.WriteEndObject();
    }

    /// <summary>Where an entry's data lies in the tarball.</summary>
    private readonly record struct TarSpan(long Offset, long Length);
}
