using System.Text.Json.Serialization;

namespace Berth.Protocol.Ecr;

/// <summary>Input of <c>SetRepositoryPolicy</c>.</summary>
/// <param name="RepositoryName">The repository.</param>
/// <param name="PolicyText">The policy JSON (0..10240 characters).</param>
/// <param name="RegistryId">Optional account id.</param>
/// <param name="Force">ECR's lock-out guard; accepted and not needed (the bootstrap admin cannot be locked out).</param>
public sealed record SetRepositoryPolicyRequest(
    [property: JsonPropertyName("repositoryName")] string? RepositoryName,
    [property: JsonPropertyName("policyText")] string? PolicyText,
    [property: JsonPropertyName("registryId")] string? RegistryId = null,
    [property: JsonPropertyName("force")] bool Force = false);

/// <summary>Input of <c>GetRepositoryPolicy</c> and <c>DeleteRepositoryPolicy</c>.</summary>
/// <param name="RepositoryName">The repository.</param>
/// <param name="RegistryId">Optional account id.</param>
public sealed record RepositoryPolicyRequest(
    [property: JsonPropertyName("repositoryName")] string? RepositoryName,
    [property: JsonPropertyName("registryId")] string? RegistryId = null);

/// <summary>Output of the three repository policy operations.</summary>
/// <param name="RegistryId">The account id.</param>
/// <param name="RepositoryName">The repository.</param>
/// <param name="PolicyText">The policy JSON as it was set.</param>
public sealed record RepositoryPolicyResponse(
    [property: JsonPropertyName("registryId")] string RegistryId,
    [property: JsonPropertyName("repositoryName")] string RepositoryName,
    [property: JsonPropertyName("policyText")] string PolicyText);

/// <summary>Source-generated JSON for the repository policy operations.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SetRepositoryPolicyRequest))]
[JsonSerializable(typeof(RepositoryPolicyRequest))]
[JsonSerializable(typeof(RepositoryPolicyResponse))]
public sealed partial class EcrRepositoryPolicyJsonContext : JsonSerializerContext;
