using System.Text.Json.Serialization;

namespace Berth.Protocol.Ecr;

/// <summary>An ECR <c>ImageIdentifier</c>: a digest, a tag, or both.</summary>
/// <param name="ImageDigest">The manifest digest.</param>
/// <param name="ImageTag">The tag.</param>
public sealed record ImageIdentifier(
    [property: JsonPropertyName("imageDigest")] string? ImageDigest = null,
    [property: JsonPropertyName("imageTag")] string? ImageTag = null);

/// <summary>A <c>tagStatus</c> filter (<c>TAGGED</c>, <c>UNTAGGED</c>, <c>ANY</c>).</summary>
/// <param name="TagStatus">The tag status.</param>
/// <param name="ImageStatus">Accepted; every Berth image is <c>ACTIVE</c>.</param>
public sealed record ImageFilter(
    [property: JsonPropertyName("tagStatus")] string? TagStatus = null,
    [property: JsonPropertyName("imageStatus")] string? ImageStatus = null);

/// <summary>Input of <c>ListImages</c>.</summary>
/// <param name="RepositoryName">The repository.</param>
/// <param name="RegistryId">Optional account id.</param>
/// <param name="NextToken">Opaque continuation.</param>
/// <param name="MaxResults">Page size 1..1000.</param>
/// <param name="Filter">Tag status filter.</param>
public sealed record ListImagesRequest(
    [property: JsonPropertyName("repositoryName")] string? RepositoryName,
    [property: JsonPropertyName("registryId")] string? RegistryId = null,
    [property: JsonPropertyName("nextToken")] string? NextToken = null,
    [property: JsonPropertyName("maxResults")] int? MaxResults = null,
    [property: JsonPropertyName("filter")] ImageFilter? Filter = null);

/// <summary>Output of <c>ListImages</c>.</summary>
/// <param name="ImageIds">One entry per (digest, tag); untagged images carry only the digest.</param>
/// <param name="NextToken">Present when more follow.</param>
public sealed record ListImagesResponse(
    [property: JsonPropertyName("imageIds")] IReadOnlyList<ImageIdentifier> ImageIds,
    [property: JsonPropertyName("nextToken")] string? NextToken);

/// <summary>Input of <c>DescribeImages</c>.</summary>
/// <param name="RepositoryName">The repository.</param>
/// <param name="RegistryId">Optional account id.</param>
/// <param name="ImageIds">Images to describe (not with pagination).</param>
/// <param name="NextToken">Opaque continuation.</param>
/// <param name="MaxResults">Page size 1..1000.</param>
/// <param name="Filter">Tag status filter.</param>
public sealed record DescribeImagesRequest(
    [property: JsonPropertyName("repositoryName")] string? RepositoryName,
    [property: JsonPropertyName("registryId")] string? RegistryId = null,
    [property: JsonPropertyName("imageIds")] IReadOnlyList<ImageIdentifier>? ImageIds = null,
    [property: JsonPropertyName("nextToken")] string? NextToken = null,
    [property: JsonPropertyName("maxResults")] int? MaxResults = null,
    [property: JsonPropertyName("filter")] ImageFilter? Filter = null);

/// <summary>An ECR <c>ImageDetail</c>.</summary>
/// <param name="RegistryId">The account id.</param>
/// <param name="RepositoryName">The repository.</param>
/// <param name="ImageDigest">The manifest digest.</param>
/// <param name="ImageTags">Tags in lexical order; omitted when untagged.</param>
/// <param name="ImageSizeInBytes">Config plus layers as stored (compressed); for an index, its largest child.</param>
/// <param name="ImagePushedAt">Epoch seconds.</param>
/// <param name="ImageManifestMediaType">The manifest's media type.</param>
/// <param name="ArtifactMediaType">The config's media type (or the artifact type).</param>
/// <param name="LastRecordedPullTime">Epoch seconds of the last pull, if any.</param>
/// <param name="SubjectManifestDigest">The subject of a referrer.</param>
/// <param name="ImageStatus">Always <c>ACTIVE</c>.</param>
public sealed record ImageDetail(
    [property: JsonPropertyName("registryId")] string RegistryId,
    [property: JsonPropertyName("repositoryName")] string RepositoryName,
    [property: JsonPropertyName("imageDigest")] string ImageDigest,
    [property: JsonPropertyName("imageTags")] IReadOnlyList<string>? ImageTags,
    [property: JsonPropertyName("imageSizeInBytes")] long ImageSizeInBytes,
    [property: JsonPropertyName("imagePushedAt")] double ImagePushedAt,
    [property: JsonPropertyName("imageManifestMediaType")] string ImageManifestMediaType,
    [property: JsonPropertyName("artifactMediaType")] string? ArtifactMediaType,
    [property: JsonPropertyName("lastRecordedPullTime")] double? LastRecordedPullTime,
    [property: JsonPropertyName("subjectManifestDigest")] string? SubjectManifestDigest,
    [property: JsonPropertyName("imageStatus")] string ImageStatus = "ACTIVE");

/// <summary>Output of <c>DescribeImages</c>.</summary>
/// <param name="ImageDetails">One page.</param>
/// <param name="NextToken">Present when more follow.</param>
public sealed record DescribeImagesResponse(
    [property: JsonPropertyName("imageDetails")] IReadOnlyList<ImageDetail> ImageDetails,
    [property: JsonPropertyName("nextToken")] string? NextToken);

/// <summary>An ECR <c>ImageFailure</c>.</summary>
/// <param name="ImageId">The id as the caller gave it.</param>
/// <param name="FailureCode">ECR's code, e.g. <c>ImageNotFound</c>.</param>
/// <param name="FailureReason">Text.</param>
public sealed record ImageFailure(
    [property: JsonPropertyName("imageId")] ImageIdentifier ImageId,
    [property: JsonPropertyName("failureCode")] string FailureCode,
    [property: JsonPropertyName("failureReason")] string FailureReason);

/// <summary>Input of <c>BatchGetImage</c>.</summary>
/// <param name="RepositoryName">The repository.</param>
/// <param name="ImageIds">1..100 ids.</param>
/// <param name="RegistryId">Optional account id.</param>
/// <param name="AcceptedMediaTypes">Manifest types the caller takes.</param>
public sealed record BatchGetImageRequest(
    [property: JsonPropertyName("repositoryName")] string? RepositoryName,
    [property: JsonPropertyName("imageIds")] IReadOnlyList<ImageIdentifier>? ImageIds,
    [property: JsonPropertyName("registryId")] string? RegistryId = null,
    [property: JsonPropertyName("acceptedMediaTypes")] IReadOnlyList<string>? AcceptedMediaTypes = null);

/// <summary>An ECR <c>Image</c>: a manifest as stored.</summary>
/// <param name="RegistryId">The account id.</param>
/// <param name="RepositoryName">The repository.</param>
/// <param name="ImageId">Digest and (if asked by tag) tag.</param>
/// <param name="ImageManifest">The manifest text, byte for byte.</param>
/// <param name="ImageManifestMediaType">Its media type.</param>
public sealed record EcrImage(
    [property: JsonPropertyName("registryId")] string RegistryId,
    [property: JsonPropertyName("repositoryName")] string RepositoryName,
    [property: JsonPropertyName("imageId")] ImageIdentifier ImageId,
    [property: JsonPropertyName("imageManifest")] string ImageManifest,
    [property: JsonPropertyName("imageManifestMediaType")] string ImageManifestMediaType);

/// <summary>Output of <c>BatchGetImage</c>.</summary>
/// <param name="Images">Found images.</param>
/// <param name="Failures">One per id that failed.</param>
public sealed record BatchGetImageResponse(
    [property: JsonPropertyName("images")] IReadOnlyList<EcrImage> Images,
    [property: JsonPropertyName("failures")] IReadOnlyList<ImageFailure> Failures);

/// <summary>Input of <c>BatchDeleteImage</c>.</summary>
/// <param name="RepositoryName">The repository.</param>
/// <param name="ImageIds">1..100 ids.</param>
/// <param name="RegistryId">Optional account id.</param>
public sealed record BatchDeleteImageRequest(
    [property: JsonPropertyName("repositoryName")] string? RepositoryName,
    [property: JsonPropertyName("imageIds")] IReadOnlyList<ImageIdentifier>? ImageIds,
    [property: JsonPropertyName("registryId")] string? RegistryId = null);

/// <summary>Output of <c>BatchDeleteImage</c>.</summary>
/// <param name="ImageIds">What was deleted.</param>
/// <param name="Failures">One per id that failed.</param>
public sealed record BatchDeleteImageResponse(
    [property: JsonPropertyName("imageIds")] IReadOnlyList<ImageIdentifier> ImageIds,
    [property: JsonPropertyName("failures")] IReadOnlyList<ImageFailure> Failures);

/// <summary>Input of <c>PutImage</c>.</summary>
/// <param name="RepositoryName">The repository.</param>
/// <param name="ImageManifest">The manifest text.</param>
/// <param name="RegistryId">Optional account id.</param>
/// <param name="ImageManifestMediaType">Needed when the manifest has no <c>mediaType</c>.</param>
/// <param name="ImageTag">Optional tag.</param>
/// <param name="ImageDigest">Optional expected digest.</param>
public sealed record PutImageRequest(
    [property: JsonPropertyName("repositoryName")] string? RepositoryName,
    [property: JsonPropertyName("imageManifest")] string? ImageManifest,
    [property: JsonPropertyName("registryId")] string? RegistryId = null,
    [property: JsonPropertyName("imageManifestMediaType")] string? ImageManifestMediaType = null,
    [property: JsonPropertyName("imageTag")] string? ImageTag = null,
    [property: JsonPropertyName("imageDigest")] string? ImageDigest = null);

/// <summary>Output of <c>PutImage</c>.</summary>
/// <param name="Image">The stored image.</param>
public sealed record PutImageResponse([property: JsonPropertyName("image")] EcrImage Image);

/// <summary>Input of <c>BatchCheckLayerAvailability</c>.</summary>
/// <param name="RepositoryName">The repository.</param>
/// <param name="LayerDigests">1..100 digests.</param>
/// <param name="RegistryId">Optional account id.</param>
public sealed record BatchCheckLayerAvailabilityRequest(
    [property: JsonPropertyName("repositoryName")] string? RepositoryName,
    [property: JsonPropertyName("layerDigests")] IReadOnlyList<string>? LayerDigests,
    [property: JsonPropertyName("registryId")] string? RegistryId = null);

/// <summary>An ECR <c>Layer</c>.</summary>
/// <param name="LayerDigest">The digest.</param>
/// <param name="LayerAvailability"><c>AVAILABLE</c> or <c>UNAVAILABLE</c>.</param>
/// <param name="LayerSize">The size when available.</param>
public sealed record EcrLayer(
    [property: JsonPropertyName("layerDigest")] string LayerDigest,
    [property: JsonPropertyName("layerAvailability")] string LayerAvailability,
    [property: JsonPropertyName("layerSize")] long? LayerSize);

/// <summary>An ECR <c>LayerFailure</c>.</summary>
/// <param name="LayerDigest">The digest as given.</param>
/// <param name="FailureCode"><c>InvalidLayerDigest</c> or <c>MissingLayerDigest</c>.</param>
/// <param name="FailureReason">Text.</param>
public sealed record LayerFailure(
    [property: JsonPropertyName("layerDigest")] string LayerDigest,
    [property: JsonPropertyName("failureCode")] string FailureCode,
    [property: JsonPropertyName("failureReason")] string FailureReason);

/// <summary>Output of <c>BatchCheckLayerAvailability</c>.</summary>
/// <param name="Layers">One per valid digest.</param>
/// <param name="Failures">One per malformed digest.</param>
public sealed record BatchCheckLayerAvailabilityResponse(
    [property: JsonPropertyName("layers")] IReadOnlyList<EcrLayer> Layers,
    [property: JsonPropertyName("failures")] IReadOnlyList<LayerFailure> Failures);

/// <summary>Input of <c>GetDownloadUrlForLayer</c>.</summary>
/// <param name="RepositoryName">The repository.</param>
/// <param name="LayerDigest">The layer.</param>
/// <param name="RegistryId">Optional account id.</param>
public sealed record GetDownloadUrlForLayerRequest(
    [property: JsonPropertyName("repositoryName")] string? RepositoryName,
    [property: JsonPropertyName("layerDigest")] string? LayerDigest,
    [property: JsonPropertyName("registryId")] string? RegistryId = null);

/// <summary>Output of <c>GetDownloadUrlForLayer</c>.</summary>
/// <param name="DownloadUrl">The blob URL on <c>/v2</c>; GET it with the registry credentials.</param>
/// <param name="LayerDigest">The layer.</param>
public sealed record GetDownloadUrlForLayerResponse(
    [property: JsonPropertyName("downloadUrl")] string DownloadUrl,
    [property: JsonPropertyName("layerDigest")] string LayerDigest);

/// <summary>Input of <c>InitiateLayerUpload</c>.</summary>
/// <param name="RepositoryName">The repository.</param>
/// <param name="RegistryId">Optional account id.</param>
public sealed record InitiateLayerUploadRequest(
    [property: JsonPropertyName("repositoryName")] string? RepositoryName,
    [property: JsonPropertyName("registryId")] string? RegistryId = null);

/// <summary>Output of <c>InitiateLayerUpload</c>.</summary>
/// <param name="UploadId">A UUID.</param>
/// <param name="PartSize">The part size the registry expects.</param>
public sealed record InitiateLayerUploadResponse(
    [property: JsonPropertyName("uploadId")] string UploadId,
    [property: JsonPropertyName("partSize")] long PartSize);

/// <summary>Input of <c>UploadLayerPart</c>.</summary>
/// <param name="RepositoryName">The repository.</param>
/// <param name="UploadId">The upload.</param>
/// <param name="PartFirstByte">Offset of the part's first byte in the layer.</param>
/// <param name="PartLastByte">Offset of its last byte (inclusive).</param>
/// <param name="LayerPartBlob">The bytes (base64 on the wire).</param>
/// <param name="RegistryId">Optional account id.</param>
public sealed record UploadLayerPartRequest(
    [property: JsonPropertyName("repositoryName")] string? RepositoryName,
    [property: JsonPropertyName("uploadId")] string? UploadId,
    [property: JsonPropertyName("partFirstByte")] long? PartFirstByte,
    [property: JsonPropertyName("partLastByte")] long? PartLastByte,
    [property: JsonPropertyName("layerPartBlob")] byte[]? LayerPartBlob,
    [property: JsonPropertyName("registryId")] string? RegistryId = null);

/// <summary>Output of <c>UploadLayerPart</c>.</summary>
/// <param name="RegistryId">The account id.</param>
/// <param name="RepositoryName">The repository.</param>
/// <param name="UploadId">The upload.</param>
/// <param name="LastByteReceived">Offset of the last byte stored.</param>
public sealed record UploadLayerPartResponse(
    [property: JsonPropertyName("registryId")] string RegistryId,
    [property: JsonPropertyName("repositoryName")] string RepositoryName,
    [property: JsonPropertyName("uploadId")] string UploadId,
    [property: JsonPropertyName("lastByteReceived")] long LastByteReceived);

/// <summary>The body of <c>InvalidLayerPartException</c>, which carries more than a message.</summary>
/// <param name="Message">Text.</param>
/// <param name="RegistryId">The account id.</param>
/// <param name="RepositoryName">The repository.</param>
/// <param name="UploadId">The upload.</param>
/// <param name="LastValidByteReceived">Offset of the last byte stored (-1 when none).</param>
/// <param name="Type">Always <c>InvalidLayerPartException</c>.</param>
public sealed record InvalidLayerPartBody(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("registryId")] string RegistryId,
    [property: JsonPropertyName("repositoryName")] string RepositoryName,
    [property: JsonPropertyName("uploadId")] string UploadId,
    [property: JsonPropertyName("lastValidByteReceived")] long LastValidByteReceived,
    [property: JsonPropertyName("__type"), JsonPropertyOrder(-1)] string Type = "InvalidLayerPartException");

/// <summary>Input of <c>CompleteLayerUpload</c>.</summary>
/// <param name="RepositoryName">The repository.</param>
/// <param name="UploadId">The upload.</param>
/// <param name="LayerDigests">The layer's digest (one).</param>
/// <param name="RegistryId">Optional account id.</param>
public sealed record CompleteLayerUploadRequest(
    [property: JsonPropertyName("repositoryName")] string? RepositoryName,
    [property: JsonPropertyName("uploadId")] string? UploadId,
    [property: JsonPropertyName("layerDigests")] IReadOnlyList<string>? LayerDigests,
    [property: JsonPropertyName("registryId")] string? RegistryId = null);

/// <summary>Output of <c>CompleteLayerUpload</c>.</summary>
/// <param name="RegistryId">The account id.</param>
/// <param name="RepositoryName">The repository.</param>
/// <param name="UploadId">The upload.</param>
/// <param name="LayerDigest">The stored layer.</param>
public sealed record CompleteLayerUploadResponse(
    [property: JsonPropertyName("registryId")] string RegistryId,
    [property: JsonPropertyName("repositoryName")] string RepositoryName,
    [property: JsonPropertyName("uploadId")] string UploadId,
    [property: JsonPropertyName("layerDigest")] string LayerDigest);

/// <summary>Source-generated JSON for the image and layer operations.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ListImagesRequest))]
[JsonSerializable(typeof(ListImagesResponse))]
[JsonSerializable(typeof(DescribeImagesRequest))]
[JsonSerializable(typeof(DescribeImagesResponse))]
[JsonSerializable(typeof(BatchGetImageRequest))]
[JsonSerializable(typeof(BatchGetImageResponse))]
[JsonSerializable(typeof(BatchDeleteImageRequest))]
[JsonSerializable(typeof(BatchDeleteImageResponse))]
[JsonSerializable(typeof(PutImageRequest))]
[JsonSerializable(typeof(PutImageResponse))]
[JsonSerializable(typeof(BatchCheckLayerAvailabilityRequest))]
[JsonSerializable(typeof(BatchCheckLayerAvailabilityResponse))]
[JsonSerializable(typeof(GetDownloadUrlForLayerRequest))]
[JsonSerializable(typeof(GetDownloadUrlForLayerResponse))]
[JsonSerializable(typeof(InitiateLayerUploadRequest))]
[JsonSerializable(typeof(InitiateLayerUploadResponse))]
[JsonSerializable(typeof(UploadLayerPartRequest))]
[JsonSerializable(typeof(UploadLayerPartResponse))]
[JsonSerializable(typeof(InvalidLayerPartBody))]
[JsonSerializable(typeof(CompleteLayerUploadRequest))]
[JsonSerializable(typeof(CompleteLayerUploadResponse))]
public sealed partial class EcrImageJsonContext : JsonSerializerContext;

/// <summary>Input of <c>ListImageReferrers</c>.</summary>
/// <param name="RepositoryName">The repository.</param>
/// <param name="SubjectId">The subject image (by digest).</param>
/// <param name="RegistryId">Optional account id.</param>
/// <param name="Filter">Artifact types to keep.</param>
/// <param name="NextToken">Opaque continuation.</param>
/// <param name="MaxResults">Page size 1..50.</param>
public sealed record ListImageReferrersRequest(
    [property: JsonPropertyName("repositoryName")] string? RepositoryName,
    [property: JsonPropertyName("subjectId")] ImageIdentifier? SubjectId,
    [property: JsonPropertyName("registryId")] string? RegistryId = null,
    [property: JsonPropertyName("filter")] ReferrersFilter? Filter = null,
    [property: JsonPropertyName("nextToken")] string? NextToken = null,
    [property: JsonPropertyName("maxResults")] int? MaxResults = null);

/// <summary>A <c>ListImageReferrersFilter</c>.</summary>
/// <param name="ArtifactTypes">0..5 artifact types.</param>
/// <param name="ArtifactStatus">Accepted; every Berth artifact is <c>ACTIVE</c>.</param>
public sealed record ReferrersFilter(
    [property: JsonPropertyName("artifactTypes")] IReadOnlyList<string>? ArtifactTypes = null,
    [property: JsonPropertyName("artifactStatus")] string? ArtifactStatus = null);

/// <summary>An ECR <c>ImageReferrer</c>.</summary>
/// <param name="Digest">The referrer's manifest digest.</param>
/// <param name="MediaType">Its media type.</param>
/// <param name="ArtifactType">Its artifact type.</param>
/// <param name="Size">Its manifest's size.</param>
/// <param name="Annotations">Its annotations.</param>
/// <param name="ArtifactStatus">Always <c>ACTIVE</c>.</param>
public sealed record ImageReferrer(
    [property: JsonPropertyName("digest")] string Digest,
    [property: JsonPropertyName("mediaType")] string MediaType,
    [property: JsonPropertyName("artifactType")] string? ArtifactType,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("annotations")] IReadOnlyDictionary<string, string>? Annotations,
    [property: JsonPropertyName("artifactStatus")] string ArtifactStatus = "ACTIVE");

/// <summary>Output of <c>ListImageReferrers</c>.</summary>
/// <param name="Referrers">One page.</param>
/// <param name="NextToken">Present when more follow.</param>
public sealed record ListImageReferrersResponse(
    [property: JsonPropertyName("referrers")] IReadOnlyList<ImageReferrer> Referrers,
    [property: JsonPropertyName("nextToken")] string? NextToken);

/// <summary>Source-generated JSON for <c>ListImageReferrers</c>.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ListImageReferrersRequest))]
[JsonSerializable(typeof(ListImageReferrersResponse))]
public sealed partial class EcrReferrersJsonContext : JsonSerializerContext;
