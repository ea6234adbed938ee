using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Protocol;
using Berth.Protocol.Oci;

namespace Berth.Client.Transfer.OciLayout;

/// <summary>The files of an OCI image layout: <c>oci-layout</c>, <c>index.json</c> and <c>blobs/ALG/HEX</c>.</summary>
internal static class OciLayoutFiles
{
    public const string RefNameAnnotation = "org.opencontainers.image.ref.name";

    public static string IndexPath(string directory) => Path.Combine(directory, "index.json");

    public static string LayoutPath(string directory) => Path.Combine(directory, "oci-layout");

    /// <summary>The path of a blob; the digest is validated so a crafted one cannot name a file outside the layout.</summary>
    public static string BlobPath(string directory, string? digest) =>
        Digest.TryParse(digest, out var parsed)
            ? Path.Combine(directory, "blobs", parsed.Algorithm, parsed.Hex)
            : throw new TransferException($"invalid digest \"{digest}\" in the OCI layout {directory}");

    /// <summary>Reads <c>index.json</c> as a JSON tree, so members Berth does not know survive a rewrite.</summary>
    public static JsonObject? ReadIndex(string directory)
    {
        var path = IndexPath(directory);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(File.ReadAllBytes(path)) as JsonObject
                ?? throw new TransferException($"{path} is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new TransferException($"{path} is not valid JSON: {e.Message}");
        }
    }

    /// <summary>The descriptors in an index tree, with the tag each carries.</summary>
    public static IEnumerable<(Descriptor Descriptor, string? Tag)> Entries(JsonObject index)
    {
        if (index["manifests"] is not JsonArray manifests)
        {
            yield break;
        }

        foreach (var node in manifests.OfType<JsonObject>())
        {
            var descriptor = new Descriptor(
                node["mediaType"]?.GetValue<string>(),
                node["digest"]?.GetValue<string>(),
                node["size"]?.GetValue<long>() ?? 0);
            var tag = node["annotations"]?[RefNameAnnotation]?.GetValue<string>();
            yield return (descriptor, tag);
        }
    }

    /// <summary>The media type a manifest declares, or the one its shape implies (OCI allows omitting it).</summary>
    public static string MediaTypeOf(byte[] manifest, string? declared)
    {
        if (!string.IsNullOrEmpty(declared))
        {
            return declared;
        }

        try
        {
            var node = JsonNode.Parse(manifest) as JsonObject;
            return node?["mediaType"]?.GetValue<string>() is { Length: > 0 } mediaType
                ? mediaType
                : node?["manifests"] is JsonArray ? MediaTypes.OciIndex : MediaTypes.OciManifest;
        }
        catch (JsonException e)
        {
            throw new TransferException($"a manifest in the OCI layout is not valid JSON: {e.Message}");
        }
    }
}
