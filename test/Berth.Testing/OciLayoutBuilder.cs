using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Berth.Testing;

/// <summary>A descriptor in an OCI layout the builder wrote.</summary>
public sealed record LayoutBlob(string Digest, long Size, string MediaType, string? Platform = null)
{
    public string Hex => Digest["sha256:".Length..];

    public JsonObject ToJson()
    {
        var json = new JsonObject { ["mediaType"] = MediaType, ["digest"] = Digest, ["size"] = Size };
        if (Platform is not null)
        {
            var parts = Platform.Split('/');
            json["platform"] = new JsonObject { ["architecture"] = parts[1], ["os"] = parts[0] };
        }

        return json;
    }
}

/// <summary>Writes real OCI image layouts (gzip tar layers with matching diff_ids) of any size without holding a layer in memory.</summary>
public sealed class OciLayoutBuilder
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string OciConfig = "application/vnd.oci.image.config.v1+json";
    public const string OciLayer = "application/vnd.oci.image.layer.v1.tar+gzip";

    private readonly JsonArray _entries = [];

    public OciLayoutBuilder(string directory)
    {
        Directory = directory;
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "blobs", "sha256"));
        File.WriteAllText(Path.Combine(directory, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""");
        Save();
    }

    public string Directory { get; }

    public string BlobPath(string digest) => Path.Combine(Directory, "blobs", "sha256", digest["sha256:".Length..]);

    public long BlobSize(string digest) => new FileInfo(BlobPath(digest)).Length;

    public LayoutBlob AddBlob(byte[] content, string mediaType)
    {
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));
        File.WriteAllBytes(BlobPath(digest), content);
        return new LayoutBlob(digest, content.LongLength, mediaType);
    }

    /// <summary>A gzip tar layer holding one file of <paramref name="size"/> pseudo-random bytes. Stored (level 0)
    /// deflate keeps a 1 GiB layer quick to write while staying a valid gzip stream every client accepts.</summary>
    public async Task<(LayoutBlob Layer, string DiffId)> AddLayerAsync(long size, int seed, string fileName = "data.bin", CancellationToken cancellationToken = default)
    {
        var temporary = Path.Combine(Directory, "blobs", "sha256", $"layer-{Guid.NewGuid():N}.tmp");
        string diffId;
        await using (var file = File.Create(temporary))
        {
            var compressedHash = new HashingStream(file);
            await using (var gzip = new GZipStream(compressedHash, CompressionLevel.NoCompression, leaveOpen: true))
            {
                var uncompressedHash = new HashingStream(gzip);
                await using (var tar = new TarWriter(uncompressedHash, TarEntryFormat.Pax, leaveOpen: true))
                {
                    var entry = new PaxTarEntry(TarEntryType.RegularFile, fileName)
                    {
                        DataStream = new KnownLength(new PseudoRandomStream(seed, size), size),
                        ModificationTime = DateTimeOffset.UnixEpoch,
                    };
                    await tar.WriteEntryAsync(entry, cancellationToken);
                }

                diffId = uncompressedHash.Digest;
            }

            var digest = compressedHash.Digest;
            var length = file.Length;
            await file.DisposeAsync();
            File.Move(temporary, BlobPath(digest), overwrite: true);
            return (new LayoutBlob(digest, length, OciLayer), diffId);
        }
    }

    public async Task<LayoutBlob> AddImageAsync(string platform, long[] layerSizes, int seed, CancellationToken cancellationToken = default)
    {
        var layers = new List<LayoutBlob>();
        var diffIds = new JsonArray();
        for (var i = 0; i < layerSizes.Length; i++)
        {
            var (layer, diffId) = await AddLayerAsync(layerSizes[i], seed * 100 + i, $"layer{i}.bin", cancellationToken);
            layers.Add(layer);
            diffIds.Add(diffId);
        }

        var parts = platform.Split('/');
        var config = new JsonObject
        {
            ["architecture"] = parts[1],
            ["os"] = parts[0],
            ["config"] = new JsonObject { ["Cmd"] = new JsonArray("/bin/true") },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = diffIds },
        };
        var configBlob = AddBlob(Encoding.UTF8.GetBytes(config.ToJsonString()), OciConfig);
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = OciManifest,
            ["config"] = configBlob.ToJson(),
            ["layers"] = new JsonArray(layers.Select(l => (JsonNode)l.ToJson()).ToArray()),
        };
        return AddBlob(Encoding.UTF8.GetBytes(manifest.ToJsonString()), OciManifest) with { Platform = platform };
    }

    public LayoutBlob AddIndex(params LayoutBlob[] manifests)
    {
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = OciIndex,
            ["manifests"] = new JsonArray(manifests.Select(m => (JsonNode)m.ToJson()).ToArray()),
        };
        return AddBlob(Encoding.UTF8.GetBytes(index.ToJsonString()), OciIndex);
    }

    /// <summary>Names <paramref name="root"/> in index.json under <paramref name="tag"/>.</summary>
    public void Tag(LayoutBlob root, string tag)
    {
        var entry = (root with { Platform = null }).ToJson();
        entry["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = tag };
        _entries.Add(entry);
        Save();
    }

    /// <summary>Every blob file in the layout, by digest, with its bytes' sha256 recomputed.</summary>
    public static IReadOnlyDictionary<string, string> HashBlobs(string directory) =>
        System.IO.Directory.EnumerateFiles(Path.Combine(directory, "blobs", "sha256"))
            .ToDictionary(p => "sha256:" + Path.GetFileName(p), p =>
            {
                using var stream = File.OpenRead(p);
                return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(stream));
            });

    private void Save() =>
        File.WriteAllText(Path.Combine(Directory, "index.json"), new JsonObject { ["schemaVersion"] = 2, ["manifests"] = _entries.DeepClone() }.ToJsonString());

    // TarWriter needs a data stream's length up front; this tells it without buffering the pseudo-random bytes.
    private sealed class KnownLength(Stream inner, long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get => _position; set => Seek(value, SeekOrigin.Begin); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = inner.Read(buffer, offset, count);
            _position += read;
            return read;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            _position += read;
            return read;
        }

        public override long Seek(long offset, SeekOrigin origin) =>
            (origin == SeekOrigin.Begin ? offset : _position + offset) == _position ? _position : throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class HashingStream(Stream inner) : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public string Digest => "sha256:" + Convert.ToHexStringLower(_hash.GetCurrentHash());

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _hash.AppendData(buffer);
            inner.Write(buffer);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _hash.AppendData(buffer.Span);
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
