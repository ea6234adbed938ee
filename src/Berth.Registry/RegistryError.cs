namespace Berth.Registry;

/// <summary>Every failure Berth reports to a client; each value has exactly one row in the server's error table.</summary>
public enum RegistryError
{
    /// <summary>No or unusable registry credentials (OCI <c>UNAUTHORIZED</c>, 401).</summary>
    Unauthorized,

    /// <summary>A well-formed token past its expiry (OCI <c>DENIED</c>, 403, ECR's wording).</summary>
    TokenExpired,

    /// <summary>Authenticated but not allowed (OCI <c>DENIED</c>; ECR <c>AccessDeniedException</c>).</summary>
    Denied,

    /// <summary>The request is not supported (OCI <c>UNSUPPORTED</c>).</summary>
    Unsupported,

    /// <summary>The Authorization header is missing (ECR <c>MissingAuthenticationTokenException</c>).</summary>
    MissingAuthenticationToken,

    /// <summary>The Authorization header is malformed (ECR <c>IncompleteSignatureException</c>).</summary>
    IncompleteSignature,

    /// <summary>The signature does not match, or the timestamp is outside the allowed skew.</summary>
    InvalidSignature,

    /// <summary>The access key id is unknown or inactive (ECR <c>UnrecognizedClientException</c>).</summary>
    UnrecognizedClient,

    /// <summary><c>X-Amz-Target</c> names no operation (ECR <c>UnknownOperationException</c>).</summary>
    UnknownOperation,

    /// <summary>The body is not valid JSON for the operation (ECR <c>SerializationException</c>).</summary>
    Serialization,

    /// <summary>An input value is out of range (ECR <c>InvalidParameterException</c>).</summary>
    InvalidParameter,

    /// <summary>The blob is not known to the repository (OCI <c>BLOB_UNKNOWN</c>).</summary>
    BlobUnknown,

    /// <summary>The upload is invalid (OCI <c>BLOB_UPLOAD_INVALID</c>).</summary>
    BlobUploadInvalid,

    /// <summary>The upload id is unknown (OCI <c>BLOB_UPLOAD_UNKNOWN</c>).</summary>
    BlobUploadUnknown,

    /// <summary>A chunk does not start where the upload ends (416 with the current Range).</summary>
    RangeInvalid,

    /// <summary>The digest is malformed or does not match the content (OCI <c>DIGEST_INVALID</c>).</summary>
    DigestInvalid,

    /// <summary>A declared size does not match the content (OCI <c>SIZE_INVALID</c>).</summary>
    SizeInvalid,

    /// <summary>A manifest names a blob or manifest the repository lacks (OCI <c>MANIFEST_BLOB_UNKNOWN</c>).</summary>
    ManifestBlobUnknown,

    /// <summary>A manifest is malformed (OCI <c>MANIFEST_INVALID</c>).</summary>
    ManifestInvalid,

    /// <summary>No such manifest or tag (OCI <c>MANIFEST_UNKNOWN</c>).</summary>
    ManifestUnknown,

    /// <summary>A manifest is over the size limit (413).</summary>
    ManifestTooLarge,

    /// <summary>The repository name is malformed (OCI <c>NAME_INVALID</c>).</summary>
    NameInvalid,

    /// <summary>The repository does not exist (OCI <c>NAME_UNKNOWN</c>; ECR <c>RepositoryNotFoundException</c>).</summary>
    NameUnknown,

    /// <summary>A tag is malformed or may not be overwritten (<c>TAG_INVALID</c>).</summary>
    TagInvalid,

    /// <summary>The repository has no lifecycle policy (ECR <c>LifecyclePolicyNotFoundException</c>).</summary>
    LifecyclePolicyNotFound,

    /// <summary>No lifecycle policy preview was started (ECR <c>LifecyclePolicyPreviewNotFoundException</c>).</summary>
    LifecyclePolicyPreviewNotFound,

    /// <summary>The repository exists already (ECR <c>RepositoryAlreadyExistsException</c>).</summary>
    RepositoryAlreadyExists,

    /// <summary>The repository still holds images (ECR <c>RepositoryNotEmptyException</c>).</summary>
    RepositoryNotEmpty,

    /// <summary>A pagination parameter is malformed.</summary>
    PaginationInvalid,

    /// <summary>Too many requests (OCI <c>TOOMANYREQUESTS</c>; ECR <c>ThrottlingException</c>).</summary>
    TooManyRequests,

    /// <summary>No API endpoint has this path (404; the OCI list has no code for it, so <c>UNSUPPORTED</c>).</summary>
    EndpointUnknown,

    /// <summary>PutImage of a manifest and tag that are already there (ECR <c>ImageAlreadyExistsException</c>).</summary>
    ImageAlreadyExists,

    /// <summary>PutImage's <c>imageDigest</c> is not the manifest's digest (ECR <c>ImageDigestDoesNotMatchException</c>).</summary>
    ImageDigestDoesNotMatch,

    /// <summary>CompleteLayerUpload of a layer the repository has already (ECR <c>LayerAlreadyExistsException</c>).</summary>
    LayerAlreadyExists,

    /// <summary>CompleteLayerUpload of an upload that received no bytes (ECR <c>EmptyUploadException</c>).</summary>
    EmptyUpload,

    /// <summary>A resource tag key or value is invalid (ECR <c>InvalidTagParameterException</c>).</summary>
    InvalidTagParameter,

    /// <summary>A resource would have more than 50 tags (ECR <c>TooManyTagsException</c>).</summary>
    TooManyTags,
    /// <summary>No such user, access key or policy (IAM <c>NoSuchEntity</c>, 404).</summary>
    NoSuchEntity,

    /// <summary>A user of that name exists already (IAM <c>EntityAlreadyExists</c>, 409).</summary>
    EntityAlreadyExists,

    /// <summary>The user still has access keys or policies (IAM <c>DeleteConflict</c>, 409).</summary>
    DeleteConflict,

    /// <summary>A policy document is not valid (IAM <c>MalformedPolicyDocument</c>, 400).</summary>
    MalformedPolicyDocument,

    /// <summary>A quota is reached: access keys per user, policy size (IAM <c>LimitExceeded</c>, 409).</summary>
    LimitExceeded,

    /// <summary>An IAM input value breaks its constraints (IAM <c>ValidationError</c>, 400).</summary>
    ValidationError,

    /// <summary>The repository has no policy (ECR <c>RepositoryPolicyNotFoundException</c>).</summary>
    RepositoryPolicyNotFound,

    /// <summary>A well-formed token that was revoked: its user or access key is gone or inactive, or
    /// <c>revoke-tokens</c> cut it off (OCI <c>DENIED</c>, 403, like an expired token).</summary>
    TokenRevoked,

    /// <summary>PutImage of an index whose child manifests are missing (ECR <c>ReferencedImagesNotFoundException</c>).</summary>
    ReferencedImagesNotFound,
}

/// <summary>A protocol violation found in domain code. Lookups that miss return null instead.</summary>
/// <param name="error">The table row that describes the failure.</param>
/// <param name="detail">Specific text; it is shown to the client, so it never holds a secret.</param>
public sealed class RegistryException(RegistryError error, string? detail = null)
    : Exception(detail is null ? error.ToString() : $"{error}: {detail}")
{
    /// <summary>The failure.</summary>
    public RegistryError Error { get; } = error;

    /// <summary>Specific text for the client, if any.</summary>
    public string? Detail { get; } = detail;
}
