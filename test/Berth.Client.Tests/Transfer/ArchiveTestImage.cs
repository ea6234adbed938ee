using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Berth.Client.Transfer;
using Berth.Protocol;
using Berth.Protocol.Oci;

namespace Berth.Client.Tests.Transfer;

/// <summary>A small image built in memory: layers (gzip or plain tars), a config whose diff_ids match, and an OCI
/// manifest; it can feed a destination as the copier would, or be laid out as an OCI image layout for skopeo.</summary>
internal sealed class ArchiveTestImage
{
    private readonly Dictionary<string, byte[]> _blobs = new(StringComparer.Ordinal);

    public ArchiveTestImage(params (string File, string Content, bool Gzip)[] layers)
    {
        var diffIds = new List<string>();
        var descriptors = new List<Descriptor>();
        foreach (var (file, content, gzip) in layers)
        {
            var tar = Tar(file, content);
            var stored = gzip ? Gzip(tar) : tar;
            diffIds.Add(Digest.Sha256(tar).ToString());
            UncompressedLayers.Add(tar);
            descriptors.Add(Add(gzip ? "application/vnd.oci.image.layer.v1.tar+gzip" : "application/vnd.oci.image.layer.v1.tar", stored));
        }

        var config = $$"""
            {"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":[{{string.Join(",", diffIds.Select(d => $"\"{d}\""))}}]},"history":[]}
            """;
        Config = Add("application/vnd.oci.image.config.v1+json", Encoding.UTF8.GetBytes(config));
        Layers = descriptors;
        var manifest = $$"""
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{Json(Config)}},"layers":[{{string.Join(",", Layers.Select(Json))}}]}
            """;
        Manifest = ManifestContent.From(Encoding.UTF8.GetBytes(manifest), MediaTypes.OciManifest);
    }

    public Descriptor Config { get; }

    public IReadOnlyList<Descriptor> Layers { get; }

    public List<byte[]> UncompressedLayers { get; } = [];

    public ManifestContent Manifest { get; }

    public IEnumerable<string> DiffIds => UncompressedLayers.Select(l => Digest.Sha256(l).ToString());

    public IEnumerable<Descriptor> Blobs => [Config, .. Layers];

    public byte[] Bytes(Descriptor blob) => _blobs[blob.Digest!];

    /// <summary>Feeds the destination as the copier does: every blob at once, then the root manifest, then commit.</summary>
    public async Task CopyToAsync(IImageDestination destination, CancellationToken cancellationToken)
    {
        await Task.WhenAll(Blobs.DistinctBy(b => b.Digest).Select(async blob =>
        {
            if (await destination.PrepareBlobAsync(blob, null, cancellationToken) == BlobPresence.Missing)
            {
                await destination.PutBlobAsync(blob, Opener(Bytes(blob)), _ => { }, cancellationToken);
            }
        }));
        await destination.PutManifestAsync(Manifest, isRoot: true, cancellationToken);
        await destination.CommitAsync(cancellationToken);
    }

    /// <summary>Writes an OCI image layout (oci-layout, index.json with the tag, blobs) for skopeo to read.</summary>
    public void WriteOciLayout(string directory, string tag)
    {
        Directory.CreateDirectory(Path.Combine(directory, "blobs", "sha256"));
        File.WriteAllText(Path.Combine(directory, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""");
        foreach (var (digest, bytes) in _blobs.Append(new(Manifest.Digest, Manifest.Bytes)))
        {
            File.WriteAllBytes(Path.Combine(directory, "blobs", "sha256", digest["sha256:".Length..]), bytes);
        }

        File.WriteAllText(Path.Combine(directory, "index.json"), $$$"""
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"{{{Manifest.MediaType}}}","digest":"{{{Manifest.Digest}}}","size":{{{Manifest.Bytes.Length}}},"annotations":{"org.opencontainers.image.ref.name":"{{{tag}}}"}}]}
            """);
    }

    public static BlobOpener Opener(byte[] bytes) =>
        (offset, _) => Task.FromResult<Stream>(new MemoryStream(bytes, (int)offset, bytes.Length - (int)offset, writable: false));

    // ustar with a fixed mtime: the same content always gives the same tar (PAX entries would add atime/ctime).
    public static byte[] Tar(string file, string content)
    {
        using var buffer = new MemoryStream();
        using (var writer = new TarWriter(buffer, TarEntryFormat.Ustar, leaveOpen: true))
        {
            var entry = new UstarTarEntry(TarEntryType.RegularFile, file)
            {
                DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
                ModificationTime = DateTimeOffset.UnixEpoch,
                Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            };
            writer.WriteEntry(entry);
        }

        return buffer.ToArray();
    }

    public static byte[] Gzip(byte[] bytes)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(bytes);
        }

        return buffer.ToArray();
    }

    public static byte[] Gunzip(byte[] bytes)
    {
        using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        gzip.CopyTo(buffer);
        return buffer.ToArray();
    }

    private Descriptor Add(string mediaType, byte[] bytes)
    {
        var descriptor = new Descriptor(mediaType, Digest.Sha256(bytes).ToString(), bytes.Length);
        _blobs[descriptor.Digest!] = bytes;
        return descriptor;
    }

    private static string Json(Descriptor d) => $$"""{"mediaType":"{{d.MediaType}}","digest":"{{d.Digest}}","size":{{d.Size}}}""";
}
