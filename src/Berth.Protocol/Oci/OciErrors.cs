using System.Text.Json.Serialization;

namespace Berth.Protocol.Oci;

/// <summary>The OCI distribution error body, <c>{"errors":[{"code","message","detail"}]}</c>.</summary>
/// <param name="Errors">One or more errors.</param>
public sealed record OciErrorBody([property: JsonPropertyName("errors")] IReadOnlyList<OciError> Errors);

/// <summary>One OCI error.</summary>
/// <param name="Code">An upper-case code from the distribution spec, e.g. <c>UNAUTHORIZED</c>.</param>
/// <param name="Message">Human-readable text.</param>
/// <param name="Detail">Optional detail; omitted when null.</param>
public sealed record OciError(
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("detail"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Detail = null);

/// <summary>Source-generated JSON for OCI bodies.</summary>
[JsonSerializable(typeof(OciErrorBody))]
public sealed partial class OciJsonContext : JsonSerializerContext;
