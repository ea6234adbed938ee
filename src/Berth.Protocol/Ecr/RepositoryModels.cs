using System.Text.Json.Serialization;

namespace Berth.Protocol.Ecr;

/// <summary>An ECR <c>Repository</c>.</summary>
/// <param name="RepositoryArn">The ARN.</param>
/// <param name="RegistryId">The account id.</param>
/// <param name="RepositoryName">The name.</param>
/// <param name="RepositoryUri">Registry host and name, no scheme.</param>
/// <param name="CreatedAt">Epoch seconds.</param>
/// <param name="ImageTagMutability"><c>MUTABLE</c>, <c>IMMUTABLE</c> or one of the <c>_WITH_EXCLUSION</c> modes.</param>
/// <param name="ImageScanningConfiguration">Stored, no scanner.</param>
/// <param name="EncryptionConfiguration">Always AES256 (encrypted at rest is the operator's disk's job).</param>
/// <param name="ImageTagMutabilityExclusionFilters">The exclusion filters of the <c>_WITH_EXCLUSION</c> modes.</param>
public sealed record EcrRepository(
    [property: JsonPropertyName("repositoryArn")] string RepositoryArn,
    [property: JsonPropertyName("registryId")] string RegistryId,
    [property: JsonPropertyName("repositoryName")] string RepositoryName,
    [property: JsonPropertyName("repositoryUri")] string RepositoryUri,
    [property: JsonPropertyName("createdAt")] double CreatedAt,
    [property: JsonPropertyName("imageTagMutability")] string ImageTagMutability,
    [property: JsonPropertyName("imageScanningConfiguration")] ImageScanningConfiguration ImageScanningConfiguration,
    [property: JsonPropertyName("encryptionConfiguration")] EncryptionConfiguration EncryptionConfiguration,
    [property: JsonPropertyName("imageTagMutabilityExclusionFilters")] IReadOnlyList<TagMutabilityExclusionFilter>? ImageTagMutabilityExclusionFilters = null);

/// <summary>An ECR <c>ImageTagMutabilityExclusionFilter</c>.</summary>
/// <param name="FilterType">Always <c>WILDCARD</c>.</param>
/// <param name="Filter">A tag pattern where <c>*</c> matches any characters.</param>
public sealed record TagMutabilityExclusionFilter(
    [property: JsonPropertyName("filterType")] string? FilterType,
    [property: JsonPropertyName("filter")] string? Filter);

/// <summary>Input of <c>PutImageTagMutability</c>.</summary>
/// <param name="RepositoryName">The repository.</param>
/// <param name="ImageTagMutability">The new setting.</param>
/// <param name="RegistryId">Optional account id.</param>
/// <param name="ImageTagMutabilityExclusionFilters">Filters for the <c>_WITH_EXCLUSION</c> modes.</param>
public sealed record PutImageTagMutabilityRequest(
    [property: JsonPropertyName("repositoryName")] string? RepositoryName,
    [property: JsonPropertyName("imageTagMutability")] string? ImageTagMutability,
    [property: JsonPropertyName("registryId")] string? RegistryId = null,
    [property: JsonPropertyName("imageTagMutabilityExclusionFilters")] IReadOnlyList<TagMutabilityExclusionFilter>? ImageTagMutabilityExclusionFilters = null);

/// <summary>Output of <c>PutImageTagMutability</c>: the setting echoed.</summary>
/// <param name="RegistryId">The account id.</param>
/// <param name="RepositoryName">The repository.</param>
/// <param name="ImageTagMutability">The new setting.</param>
/// <param name="ImageTagMutabilityExclusionFilters">Its filters, if any.</param>
public sealed record PutImageTagMutabilityResponse(
    [property: JsonPropertyName("registryId")] string RegistryId,
    [property: JsonPropertyName("repositoryName")] string RepositoryName,
    [property: JsonPropertyName("imageTagMutability")] string ImageTagMutability,
    [property: JsonPropertyName("imageTagMutabilityExclusionFilters")] IReadOnlyList<TagMutabilityExclusionFilter>? ImageTagMutabilityExclusionFilters);

/// <summary>Scan-on-push setting.</summary>
/// <param name="ScanOnPush">Whether images are scanned on push.</param>
public sealed record ImageScanningConfiguration([property: JsonPropertyName("scanOnPush")] bool ScanOnPush);

/// <summary>Encryption setting.</summary>
/// <param name="EncryptionType"><c>AES256</c>, <c>KMS</c> or <c>KMS_DSSE</c>.</param>
public sealed record EncryptionConfiguration([property: JsonPropertyName("encryptionType")] string EncryptionType);

/// <summary>Input of <c>CreateRepository</c>.</summary>
/// <param name="RepositoryName">The name.</param>
/// <param name="RegistryId">Optional account id.</param>
/// <param name="ImageTagMutability">Optional, default MUTABLE.</param>
/// <param name="ImageTagMutabilityExclusionFilters">Filters for the <c>_WITH_EXCLUSION</c> modes.</param>
/// <param name="Tags">Resource tags.</param>
/// <param name="ImageScanningConfiguration">Scan-on-push (stored, no scanner).</param>
public sealed record CreateRepositoryRequest(
    [property: JsonPropertyName("repositoryName")] string? RepositoryName,
    [property: JsonPropertyName("registryId")] string? RegistryId = null,
    [property: JsonPropertyName("imageTagMutability")] string? ImageTagMutability = null,
    [property: JsonPropertyName("imageTagMutabilityExclusionFilters")] IReadOnlyList<TagMutabilityExclusionFilter>? ImageTagMutabilityExclusionFilters = null,
    [property: JsonPropertyName("tags")] IReadOnlyList<ResourceTag>? Tags = null,
    [property: JsonPropertyName("imageScanningConfiguration")] ImageScanningConfiguration? ImageScanningConfiguration = null);

/// <summary>Output holding one repository.</summary>
/// <param name="Repository">The repository.</param>
public sealed record RepositoryResponse([property: JsonPropertyName("repository")] EcrRepository Repository);

/// <summary>Input of <c>DescribeRepositories</c>.</summary>
/// <param name="RegistryId">Optional account id.</param>
/// <param name="RepositoryNames">Names to describe (not with pagination).</param>
/// <param name="NextToken">Opaque continuation.</param>
/// <param name="MaxResults">Page size 1..1000.</param>
public sealed record DescribeRepositoriesRequest(
    [property: JsonPropertyName("registryId")] string? RegistryId = null,
    [property: JsonPropertyName("repositoryNames")] IReadOnlyList<string>? RepositoryNames = null,
    [property: JsonPropertyName("nextToken")] string? NextToken = null,
    [property: JsonPropertyName("maxResults")] int? MaxResults = null);

/// <summary>Output of <c>DescribeRepositories</c>.</summary>
/// <param name="Repositories">One page.</param>
/// <param name="NextToken">Present when more follow.</param>
public sealed record DescribeRepositoriesResponse(
    [property: JsonPropertyName("repositories")] IReadOnlyList<EcrRepository> Repositories,
    [property: JsonPropertyName("nextToken")] string? NextToken);

/// <summary>Input of <c>DeleteRepository</c>.</summary>
/// <param name="RepositoryName">The name.</param>
/// <param name="RegistryId">Optional account id.</param>
/// <param name="Force">Delete even when images remain.</param>
public sealed record DeleteRepositoryRequest(
    [property: JsonPropertyName("repositoryName")] string? RepositoryName,
    [property: JsonPropertyName("registryId")] string? RegistryId = null,
    [property: JsonPropertyName("force")] bool Force = false);

/// <summary>Source-generated JSON for the repository operations.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CreateRepositoryRequest))]
[JsonSerializable(typeof(RepositoryResponse))]
[JsonSerializable(typeof(DescribeRepositoriesRequest))]
[JsonSerializable(typeof(DescribeRepositoriesResponse))]
[JsonSerializable(typeof(DeleteRepositoryRequest))]
[JsonSerializable(typeof(PutImageTagMutabilityRequest))]
[JsonSerializable(typeof(PutImageTagMutabilityResponse))]
public sealed partial class EcrRepositoryJsonContext : JsonSerializerContext;

/// <summary>An AWS resource tag; the JSON names are capitalized, as in every AWS API.</summary>
/// <param name="Key">The key, 1..128 characters.</param>
/// <param name="Value">The value, 0..256 characters.</param>
public sealed record ResourceTag(
    [property: JsonPropertyName("Key")] string? Key,
    [property: JsonPropertyName("Value")] string? Value);

/// <summary>Input of <c>TagResource</c>.</summary>
/// <param name="ResourceArn">A repository ARN.</param>
/// <param name="Tags">Tags to add or overwrite.</param>
public sealed record TagResourceRequest(
    [property: JsonPropertyName("resourceArn")] string? ResourceArn,
    [property: JsonPropertyName("tags")] IReadOnlyList<ResourceTag>? Tags);

/// <summary>Input of <c>UntagResource</c>.</summary>
/// <param name="ResourceArn">A repository ARN.</param>
/// <param name="TagKeys">Keys to remove.</param>
public sealed record UntagResourceRequest(
    [property: JsonPropertyName("resourceArn")] string? ResourceArn,
    [property: JsonPropertyName("tagKeys")] IReadOnlyList<string>? TagKeys);

/// <summary>Input of <c>ListTagsForResource</c>.</summary>
/// <param name="ResourceArn">A repository ARN.</param>
public sealed record ListTagsForResourceRequest([property: JsonPropertyName("resourceArn")] string? ResourceArn);

/// <summary>Output of <c>ListTagsForResource</c>.</summary>
/// <param name="Tags">The tags in key order.</param>
public sealed record ListTagsForResourceResponse([property: JsonPropertyName("tags")] IReadOnlyList<ResourceTag> Tags);

/// <summary>The empty output of <c>TagResource</c> and <c>UntagResource</c>: <c>{}</c>.</summary>
public sealed record EmptyResponse;

/// <summary>A registry's replication configuration (Berth replicates nowhere: no rules).</summary>
/// <param name="Rules">Always empty.</param>
public sealed record ReplicationConfiguration([property: JsonPropertyName("rules")] IReadOnlyList<System.Text.Json.JsonElement> Rules);

/// <summary>Output of <c>DescribeRegistry</c>.</summary>
/// <param name="RegistryId">The account id.</param>
/// <param name="ReplicationConfiguration">No rules.</param>
public sealed record DescribeRegistryResponse(
    [property: JsonPropertyName("registryId")] string RegistryId,
    [property: JsonPropertyName("replicationConfiguration")] ReplicationConfiguration ReplicationConfiguration);

/// <summary>Input of <c>PutImageScanningConfiguration</c>.</summary>
/// <param name="RepositoryName">The repository.</param>
/// <param name="ImageScanningConfiguration">The setting.</param>
/// <param name="RegistryId">Optional account id.</param>
public sealed record PutImageScanningConfigurationRequest(
    [property: JsonPropertyName("repositoryName")] string? RepositoryName,
    [property: JsonPropertyName("imageScanningConfiguration")] ImageScanningConfiguration? ImageScanningConfiguration,
    [property: JsonPropertyName("registryId")] string? RegistryId = null);

/// <summary>Output of <c>PutImageScanningConfiguration</c>: the setting echoed.</summary>
/// <param name="RegistryId">The account id.</param>
/// <param name="RepositoryName">The repository.</param>
/// <param name="ImageScanningConfiguration">The setting.</param>
public sealed record PutImageScanningConfigurationResponse(
    [property: JsonPropertyName("registryId")] string RegistryId,
    [property: JsonPropertyName("repositoryName")] string RepositoryName,
    [property: JsonPropertyName("imageScanningConfiguration")] ImageScanningConfiguration ImageScanningConfiguration);

/// <summary>Input of <c>BatchGetRepositoryScanningConfiguration</c>.</summary>
/// <param name="RepositoryNames">1..25 repositories.</param>
public sealed record BatchGetRepositoryScanningConfigurationRequest(
    [property: JsonPropertyName("repositoryNames")] IReadOnlyList<string>? RepositoryNames);

/// <summary>An ECR <c>RepositoryScanningConfiguration</c>.</summary>
/// <param name="RepositoryArn">The ARN.</param>
/// <param name="RepositoryName">The name.</param>
/// <param name="ScanOnPush">The stored setting.</param>
/// <param name="ScanFrequency"><c>SCAN_ON_PUSH</c> or <c>MANUAL</c>.</param>
/// <param name="AppliedScanFilters">Always empty.</param>
public sealed record RepositoryScanningConfiguration(
    [property: JsonPropertyName("repositoryArn")] string RepositoryArn,
    [property: JsonPropertyName("repositoryName")] string RepositoryName,
    [property: JsonPropertyName("scanOnPush")] bool ScanOnPush,
    [property: JsonPropertyName("scanFrequency")] string ScanFrequency,
    [property: JsonPropertyName("appliedScanFilters")] IReadOnlyList<System.Text.Json.JsonElement> AppliedScanFilters);

/// <summary>An ECR <c>RepositoryScanningConfigurationFailure</c>.</summary>
/// <param name="RepositoryName">The name asked for.</param>
/// <param name="FailureCode">Always <c>REPOSITORY_NOT_FOUND</c>.</param>
/// <param name="FailureReason">Text.</param>
public sealed record RepositoryScanningConfigurationFailure(
    [property: JsonPropertyName("repositoryName")] string RepositoryName,
    [property: JsonPropertyName("failureCode")] string FailureCode,
    [property: JsonPropertyName("failureReason")] string FailureReason);

/// <summary>Output of <c>BatchGetRepositoryScanningConfiguration</c>.</summary>
/// <param name="ScanningConfigurations">Found repositories.</param>
/// <param name="Failures">Missing ones.</param>
public sealed record BatchGetRepositoryScanningConfigurationResponse(
    [property: JsonPropertyName("scanningConfigurations")] IReadOnlyList<RepositoryScanningConfiguration> ScanningConfigurations,
    [property: JsonPropertyName("failures")] IReadOnlyList<RepositoryScanningConfigurationFailure> Failures);

/// <summary>Source-generated JSON for resource tags and the registry.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TagResourceRequest))]
[JsonSerializable(typeof(UntagResourceRequest))]
[JsonSerializable(typeof(ListTagsForResourceRequest))]
[JsonSerializable(typeof(ListTagsForResourceResponse))]
[JsonSerializable(typeof(EmptyResponse))]
[JsonSerializable(typeof(DescribeRegistryResponse))]
[JsonSerializable(typeof(PutImageScanningConfigurationRequest))]
[JsonSerializable(typeof(PutImageScanningConfigurationResponse))]
[JsonSerializable(typeof(BatchGetRepositoryScanningConfigurationRequest))]
[JsonSerializable(typeof(BatchGetRepositoryScanningConfigurationResponse))]
public sealed partial class EcrRegistryJsonContext : JsonSerializerContext;
