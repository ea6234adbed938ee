using System.Text.Json.Serialization;

namespace Berth.Protocol.Ecr;

/// <summary>The constants of Amazon ECR's AWS JSON 1.1 protocol.</summary>
public static class EcrProtocol
{
    /// <summary>Prefix of every <c>X-Amz-Target</c>.</summary>
    public const string TargetPrefix = "AmazonEC2ContainerRegistry_V20150921";

    /// <summary>The content type of requests and responses.</summary>
    public const string ContentType = "application/x-amz-json-1.1";

    /// <summary>The SigV4 signing name.</summary>
    public const string SigningName = "ecr";
}

/// <summary>Input of <c>GetAuthorizationToken</c>.</summary>
/// <param name="RegistryIds">Deprecated by AWS; accepted and validated, but one token covers the registry.</param>
public sealed record GetAuthorizationTokenRequest(
    [property: JsonPropertyName("registryIds")] IReadOnlyList<string>? RegistryIds = null);

/// <summary>Output of <c>GetAuthorizationToken</c>.</summary>
/// <param name="AuthorizationData">Always exactly one entry.</param>
public sealed record GetAuthorizationTokenResponse(
    [property: JsonPropertyName("authorizationData")] IReadOnlyList<AuthorizationData> AuthorizationData);

/// <summary>One authorization token.</summary>
/// <param name="AuthorizationToken">Base64 of <c>AWS:password</c>.</param>
/// <param name="ExpiresAt">Epoch seconds (a JSON number, as botocore expects).</param>
/// <param name="ProxyEndpoint">The registry URL, scheme included, no trailing slash.</param>
public sealed record AuthorizationData(
    [property: JsonPropertyName("authorizationToken")] string AuthorizationToken,
    [property: JsonPropertyName("expiresAt")] double ExpiresAt,
    [property: JsonPropertyName("proxyEndpoint")] string ProxyEndpoint);

/// <summary>An AWS JSON error body.</summary>
/// <param name="Type">The error code, e.g. <c>InvalidSignatureException</c>.</param>
/// <param name="Message">Human-readable text; omitted when AWS sends none.</param>
public sealed record EcrErrorBody(
    [property: JsonPropertyName("__type")] string Type,
    [property: JsonPropertyName("message"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Message);

/// <summary>Source-generated JSON for the ECR API.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(GetAuthorizationTokenRequest))]
[JsonSerializable(typeof(GetAuthorizationTokenResponse))]
[JsonSerializable(typeof(EcrErrorBody))]
public sealed partial class EcrJsonContext : JsonSerializerContext;
