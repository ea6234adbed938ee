using System.Text.Json.Serialization;

namespace Berth.Protocol.Oci;

/// <summary>A content descriptor.</summary>
/// <param name="MediaType">The media type of the referenced content.</param>
/// <param name="Digest">Its digest.</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="ArtifactType">The artifact type, for referrers.</param>
/// <param name="Annotations">Annotations, for referrers.</param>
public sealed record Descriptor(
    [property: JsonPropertyName("mediaType")] string? MediaType,
    [property: JsonPropertyName("digest")] string? Digest,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("artifactType")] string? ArtifactType = null,
    [property: JsonPropertyName("annotations")] IReadOnlyDictionary<string, string>? Annotations = null);

/// <summary>The members of a manifest or index that a registry needs; everything else is stored byte for byte.</summary>
/// <param name="SchemaVersion">Must be 2 (1 is Docker schema 1).</param>
/// <param name="MediaType">The declared media type, if any.</param>
/// <param name="ArtifactType">The artifact type (OCI 1.1).</param>
/// <param name="Config">The config blob (image manifests).</param>
/// <param name="Layers">The layer blobs (image manifests).</param>
/// <param name="Manifests">The child manifests (indexes).</param>
/// <param name="Subject">The manifest this one refers to (OCI 1.1 referrers).</param>
/// <param name="Annotations">Annotations.</param>
public sealed record ManifestDocument(
    [property: JsonPropertyName("schemaVersion")] int SchemaVersion,
    [property: JsonPropertyName("mediaType")] string? MediaType,
    [property: JsonPropertyName("artifactType")] string? ArtifactType,
    [property: JsonPropertyName("config")] Descriptor? Config,
    [property: JsonPropertyName("layers")] IReadOnlyList<Descriptor>? Layers,
    [property: JsonPropertyName("manifests")] IReadOnlyList<Descriptor>? Manifests,
    [property: JsonPropertyName("subject")] Descriptor? Subject,
    [property: JsonPropertyName("annotations")] IReadOnlyDictionary<string, string>? Annotations);

/// <summary>An OCI image index, as the referrers API returns it.</summary>
/// <param name="Manifests">The referrers' descriptors.</param>
/// <param name="SchemaVersion">Always 2.</param>
/// <param name="MediaType">Always the OCI index type.</param>
public sealed record ImageIndex(
    [property: JsonPropertyName("manifests")] IReadOnlyList<Descriptor> Manifests,
    [property: JsonPropertyName("schemaVersion"), JsonPropertyOrder(-2)] int SchemaVersion = 2,
    [property: JsonPropertyName("mediaType"), JsonPropertyOrder(-1)] string MediaType = MediaTypes.OciIndex);

/// <summary>The tags list response.</summary>
/// <param name="Name">The repository.</param>
/// <param name="Tags">Tags in lexical order.</param>
public sealed record TagList(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("tags")] IReadOnlyList<string> Tags);

/// <summary>The catalog response.</summary>
/// <param name="Repositories">Repository names in lexical order.</param>
public sealed record Catalog([property: JsonPropertyName("repositories")] IReadOnlyList<string> Repositories);

/// <summary>Source-generated JSON for OCI documents.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ManifestDocument))]
[JsonSerializable(typeof(ImageIndex))]
[JsonSerializable(typeof(TagList))]
[JsonSerializable(typeof(Catalog))]
public sealed partial class OciDocumentJsonContext : JsonSerializerContext;
