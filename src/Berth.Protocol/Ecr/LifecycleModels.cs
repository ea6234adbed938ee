using System.Text.Json.Serialization;

namespace Berth.Protocol.Ecr;

/// <summary>Input of <c>PutLifecyclePolicy</c>, <c>GetLifecyclePolicy</c>, <c>DeleteLifecyclePolicy</c> and <c>StartLifecyclePolicyPreview</c>.</summary>
/// <param name="RepositoryName">The repository.</param>
/// <param name="RegistryId">Optional account id.</param>
/// <param name="LifecyclePolicyText">The policy (Put: required; preview: optional, default the stored one).</param>
public sealed record LifecyclePolicyRequest(
    [property: JsonPropertyName("repositoryName")] string? RepositoryName,
    [property: JsonPropertyName("registryId")] string? RegistryId = null,
    [property: JsonPropertyName("lifecyclePolicyText")] string? LifecyclePolicyText = null);

/// <summary>Output of the lifecycle policy operations.</summary>
/// <param name="RegistryId">The account id.</param>
/// <param name="RepositoryName">The repository.</param>
/// <param name="LifecyclePolicyText">The policy.</param>
/// <param name="LastEvaluatedAt">Epoch seconds of the last enforcement (Get/Delete only).</param>
/// <param name="Status">Preview status (StartLifecyclePolicyPreview only).</param>
public sealed record LifecyclePolicyResponse(
    [property: JsonPropertyName("registryId")] string RegistryId,
    [property: JsonPropertyName("repositoryName")] string RepositoryName,
    [property: JsonPropertyName("lifecyclePolicyText")] string LifecyclePolicyText,
    [property: JsonPropertyName("lastEvaluatedAt")] double? LastEvaluatedAt = null,
    [property: JsonPropertyName("status")] string? Status = null);

/// <summary>Input of <c>GetLifecyclePolicyPreview</c>.</summary>
/// <param name="RepositoryName">The repository.</param>
/// <param name="RegistryId">Optional account id.</param>
/// <param name="NextToken">Opaque continuation.</param>
/// <param name="MaxResults">Page size 1..100.</param>
/// <param name="Filter">Optional <c>tagStatus</c> filter.</param>
public sealed record GetLifecyclePolicyPreviewRequest(
    [property: JsonPropertyName("repositoryName")] string? RepositoryName,
    [property: JsonPropertyName("registryId")] string? RegistryId = null,
    [property: JsonPropertyName("nextToken")] string? NextToken = null,
    [property: JsonPropertyName("maxResults")] int? MaxResults = null,
    [property: JsonPropertyName("filter")] LifecyclePreviewFilter? Filter = null);

/// <summary>The preview filter.</summary>
/// <param name="TagStatus"><c>TAGGED</c>, <c>UNTAGGED</c> or <c>ANY</c>.</param>
public sealed record LifecyclePreviewFilter([property: JsonPropertyName("tagStatus")] string? TagStatus);

/// <summary>Output of <c>GetLifecyclePolicyPreview</c>.</summary>
/// <param name="RegistryId">The account id.</param>
/// <param name="RepositoryName">The repository.</param>
/// <param name="LifecyclePolicyText">The policy previewed.</param>
/// <param name="Status"><c>COMPLETE</c> (previews are computed when started).</param>
/// <param name="PreviewResults">This page of results.</param>
/// <param name="Summary">The total count.</param>
/// <param name="NextToken">Continuation, when more results remain.</param>
public sealed record GetLifecyclePolicyPreviewResponse(
    [property: JsonPropertyName("registryId")] string RegistryId,
    [property: JsonPropertyName("repositoryName")] string RepositoryName,
    [property: JsonPropertyName("lifecyclePolicyText")] string LifecyclePolicyText,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("previewResults")] IReadOnlyList<LifecyclePreviewResult> PreviewResults,
    [property: JsonPropertyName("summary")] LifecyclePreviewSummary Summary,
    [property: JsonPropertyName("nextToken")] string? NextToken = null);

/// <summary>One image the policy would expire.</summary>
/// <param name="ImageTags">Its tags.</param>
/// <param name="ImageDigest">Its digest.</param>
/// <param name="ImagePushedAt">Epoch seconds.</param>
/// <param name="Action">What would happen.</param>
/// <param name="AppliedRulePriority">The rule that selects it.</param>
public sealed record LifecyclePreviewResult(
    [property: JsonPropertyName("imageTags")] IReadOnlyList<string> ImageTags,
    [property: JsonPropertyName("imageDigest")] string ImageDigest,
    [property: JsonPropertyName("imagePushedAt")] double ImagePushedAt,
    [property: JsonPropertyName("action")] LifecyclePreviewAction Action,
    [property: JsonPropertyName("appliedRulePriority")] int AppliedRulePriority);

/// <summary>The preview action.</summary>
/// <param name="Type"><c>EXPIRE</c>.</param>
public sealed record LifecyclePreviewAction([property: JsonPropertyName("type")] string Type);

/// <summary>The preview summary.</summary>
/// <param name="ExpiringImageTotalCount">How many images would expire.</param>
public sealed record LifecyclePreviewSummary([property: JsonPropertyName("expiringImageTotalCount")] int ExpiringImageTotalCount);

/// <summary>Source-generated serialization of the lifecycle operations.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(LifecyclePolicyRequest))]
[JsonSerializable(typeof(LifecyclePolicyResponse))]
[JsonSerializable(typeof(GetLifecyclePolicyPreviewRequest))]
[JsonSerializable(typeof(GetLifecyclePolicyPreviewResponse))]
public sealed partial class EcrLifecycleJsonContext : JsonSerializerContext;
