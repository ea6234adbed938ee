using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Berth.Server.Tests.Conformance;

/// <summary>A content descriptor as the OCI image spec defines it.</summary>
internal sealed record OciDescriptor(string MediaType, string Digest, long Size)
{
    public JsonObject ToJson() => new() { ["mediaType"] = MediaType, ["digest"] = Digest, ["size"] = Size };
}

/// <summary>Random blobs and hand-built manifests. Media types are spelled out here, from the specs, not taken from the server.</summary>
internal static class OciContent
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerSchema1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws";
    public const string ConfigMediaType = "application/vnd.oci.image.config.v1+json";
    public const string LayerMediaType = "application/vnd.oci.image.layer.v1.tar+gzip";
    public const string DockerConfigMediaType = "application/vnd.docker.container.image.v1+json";
    public const string DockerLayerMediaType = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public const string EmptyMediaType = "application/vnd.oci.empty.v1+json";

    /// <summary>The OCI empty descriptor's content, <c>{}</c>.</summary>
    public static readonly byte[] EmptyJson = "{}"u8.ToArray();

    // Indented with a trailing newline: a registry that re-serialized manifests would change their bytes and digest.
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static byte[] RandomBytes(int length) => RandomNumberGenerator.GetBytes(length);

    /// <summary>A small, unique image config.</summary>
    public static byte[] RandomConfig() =>
        Encoding.UTF8.GetBytes($$"""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"comment":"{{Guid.NewGuid()}}"}""");

    public static string Digest(byte[] content) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>A syntactically valid digest of content nobody pushed.</summary>
    public static string UnknownDigest() => Digest(RandomBytes(16));

    public static ByteArrayContent Octets(byte[] content) => Typed(content, "application/octet-stream");

    public static ByteArrayContent Typed(byte[] content, string mediaType)
    {
        var body = new ByteArrayContent(content);
        body.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return body;
    }

    /// <summary>An image manifest (OCI by default; Docker v2s2 with <paramref name="mediaType"/>).</summary>
    public static byte[] ImageManifest(
        OciDescriptor config,
        IEnumerable<OciDescriptor> layers,
        string mediaType = OciManifest,
        OciDescriptor? subject = null,
        string? artifactType = null,
        IReadOnlyDictionary<string, string>? annotations = null)
    {
        var manifest = new JsonObject { ["schemaVersion"] = 2, ["mediaType"] = mediaType };
        if (artifactType is not null)
        {
            manifest["artifactType"] = artifactType;
        }

        manifest["config"] = config.ToJson();
        manifest["layers"] = new JsonArray([.. layers.Select(l => (JsonNode)l.ToJson())]);
        if (subject is not null)
        {
            manifest["subject"] = subject.ToJson();
        }

        AddAnnotations(manifest, annotations);
        return Serialize(manifest);
    }

    /// <summary>An index (OCI by default; a Docker manifest list with <paramref name="mediaType"/>).</summary>
    public static byte[] Index(
        IEnumerable<OciDescriptor> manifests,
        string mediaType = OciIndex,
        OciDescriptor? subject = null,
        string? artifactType = null,
        IReadOnlyDictionary<string, string>? annotations = null)
    {
        var index = new JsonObject { ["schemaVersion"] = 2, ["mediaType"] = mediaType };
        if (artifactType is not null)
        {
            index["artifactType"] = artifactType;
        }

        index["manifests"] = new JsonArray([.. manifests.Select(m =>
        {
            var child = m.ToJson();
            child["platform"] = new JsonObject { ["architecture"] = "amd64", ["os"] = "linux" };
            return (JsonNode)child;
        })]);
        if (subject is not null)
        {
            index["subject"] = subject.ToJson();
        }

        AddAnnotations(index, annotations);
        return Serialize(index);
    }

    private static void AddAnnotations(JsonObject document, IReadOnlyDictionary<string, string>? annotations)
    {
        if (annotations is not null)
        {
            document["annotations"] = new JsonObject(annotations.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value)));
        }
    }

    private static byte[] Serialize(JsonObject document) => Encoding.UTF8.GetBytes(document.ToJsonString(Indented) + "\n");
}

/// <summary>A stream that cannot seek and has no length, so <see cref="StreamContent"/> goes out with <c>Transfer-Encoding: chunked</c>
/// and no <c>Content-Length</c>, as podman sends layers.</summary>
internal sealed class NonSeekableStream(byte[] content) : Stream
{
    private readonly MemoryStream _inner = new(content, writable: false);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    // Small reads, so the body really arrives in several chunks.
    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 1000));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
