using System.Collections.Frozen;
using Berth.Registry;

namespace Berth.Server.Errors;

/// <summary>One row of the error table: how a failure looks on each protocol surface.</summary>
/// <param name="OciStatus">HTTP status on <c>/v2</c>.</param>
/// <param name="OciCode">Code in the OCI error body.</param>
/// <param name="EcrStatus">HTTP status on the ECR API (4xx: the CLI retries 5xx).</param>
/// <param name="EcrType">The <c>__type</c> on the ECR API.</param>
/// <param name="Message">Default text; a detail replaces it on the ECR API and is added as <c>detail</c> on /v2.</param>
/// <param name="IamStatus">HTTP status on the IAM API; 0 means 400 (500 for <c>ServiceFailure</c>).</param>
/// <param name="IamCode">The <c>Code</c> in IAM's XML error; <see langword="null"/> means <c>InvalidInput</c>.</param>
internal sealed record ErrorDescriptor(int OciStatus, string OciCode, int EcrStatus, string EcrType, string? Message, int IamStatus = 0, string? IamCode = null);

/// <summary>The one table that maps every <see cref="RegistryError"/> to statuses, codes and text.</summary>
internal static class RegistryErrors
{
    public const string ExpiredTokenMessage = "Your authorization token has expired. Reauthenticate and try again.";
    public const string InvalidSignatureMessage =
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

    // RegistryErrorsTests asserts that every enum value has a row.
    private static readonly FrozenDictionary<RegistryError, ErrorDescriptor> Table = new Dictionary<RegistryError, ErrorDescriptor>
    {
        [RegistryError.Unauthorized] = new(401, "UNAUTHORIZED", 400, "UnrecognizedClientException", "authentication required"),
        [RegistryError.TokenExpired] = new(403, "DENIED", 400, "ExpiredTokenException", ExpiredTokenMessage),
        [RegistryError.Denied] = new(403, "DENIED", 400, "AccessDeniedException", null, 403, "AccessDenied"),
        [RegistryError.Unsupported] = new(405, "UNSUPPORTED", 400, "ValidationException", "the operation is unsupported"),
        [RegistryError.MissingAuthenticationToken] = new(401, "UNAUTHORIZED", 403, "MissingAuthenticationTokenException", "Missing Authentication Token", 403, "MissingAuthenticationToken"),
        [RegistryError.IncompleteSignature] = new(401, "UNAUTHORIZED", 400, "IncompleteSignatureException", "The request signature is incomplete.", 400, "IncompleteSignature"),
        [RegistryError.InvalidSignature] = new(401, "UNAUTHORIZED", 400, "InvalidSignatureException", InvalidSignatureMessage, 403, "SignatureDoesNotMatch"),
        [RegistryError.UnrecognizedClient] = new(401, "UNAUTHORIZED", 400, "UnrecognizedClientException", "The security token included in the request is invalid.", 403, "InvalidClientTokenId"),
        [RegistryError.UnknownOperation] = new(405, "UNSUPPORTED", 400, "com.amazon.coral.service#UnknownOperationException", null, 400, "InvalidAction"),
        [RegistryError.Serialization] = new(400, "UNSUPPORTED", 400, "SerializationException", "The request body could not be read as JSON for this operation."),
        [RegistryError.InvalidParameter] = new(400, "UNSUPPORTED", 400, "InvalidParameterException", "A parameter is invalid."),
        [RegistryError.BlobUnknown] = new(404, "BLOB_UNKNOWN", 400, "LayersNotFoundException", "blob unknown to registry"),
        [RegistryError.BlobUploadInvalid] = new(400, "BLOB_UPLOAD_INVALID", 400, "InvalidLayerException", "blob upload invalid"),
        [RegistryError.BlobUploadUnknown] = new(404, "BLOB_UPLOAD_UNKNOWN", 400, "UploadNotFoundException", "blob upload unknown to registry"),
        [RegistryError.RangeInvalid] = new(416, "BLOB_UPLOAD_INVALID", 400, "InvalidLayerPartException", "the chunk does not start where the upload ends"),
        [RegistryError.DigestInvalid] = new(400, "DIGEST_INVALID", 400, "InvalidParameterException", "provided digest did not match uploaded content"),
        [RegistryError.SizeInvalid] = new(400, "SIZE_INVALID", 400, "InvalidParameterException", "provided length did not match content length"),
        [RegistryError.ManifestBlobUnknown] = new(400, "MANIFEST_BLOB_UNKNOWN", 400, "LayersNotFoundException", "manifest references a manifest or blob unknown to registry"),
        [RegistryError.ManifestInvalid] = new(400, "MANIFEST_INVALID", 400, "InvalidParameterException", "manifest invalid"),
        [RegistryError.ManifestUnknown] = new(404, "MANIFEST_UNKNOWN", 400, "ImageNotFoundException", "manifest unknown"),
        [RegistryError.ManifestTooLarge] = new(413, "MANIFEST_INVALID", 400, "InvalidParameterException", "manifest too large"),
        [RegistryError.NameInvalid] = new(400, "NAME_INVALID", 400, "InvalidParameterException", "invalid repository name"),
        [RegistryError.NameUnknown] = new(404, "NAME_UNKNOWN", 400, "RepositoryNotFoundException", null),
        [RegistryError.TagInvalid] = new(400, "TAG_INVALID", 400, "ImageTagAlreadyExistsException", null),
        [RegistryError.LifecyclePolicyNotFound] = new(404, "UNSUPPORTED", 400, "LifecyclePolicyNotFoundException", null),
        [RegistryError.LifecyclePolicyPreviewNotFound] = new(404, "UNSUPPORTED", 400, "LifecyclePolicyPreviewNotFoundException", null),
        [RegistryError.RepositoryAlreadyExists] = new(409, "DENIED", 400, "RepositoryAlreadyExistsException", null),
        [RegistryError.RepositoryNotEmpty] = new(409, "DENIED", 400, "RepositoryNotEmptyException", null),
        [RegistryError.PaginationInvalid] = new(400, "PAGINATION_NUMBER_INVALID", 400, "InvalidParameterException", "invalid number of results requested"),
        [RegistryError.TooManyRequests] = new(429, "TOOMANYREQUESTS", 400, "ThrottlingException", "Rate exceeded", 400, "Throttling"),
        [RegistryError.EndpointUnknown] = new(404, "UNSUPPORTED", 400, "com.amazon.coral.service#UnknownOperationException", "no such endpoint"),
        [RegistryError.ImageAlreadyExists] = new(400, "MANIFEST_INVALID", 400, "ImageAlreadyExistsException", null),
        [RegistryError.ImageDigestDoesNotMatch] = new(400, "DIGEST_INVALID", 400, "ImageDigestDoesNotMatchException", null),
        [RegistryError.LayerAlreadyExists] = new(400, "BLOB_UPLOAD_INVALID", 400, "LayerAlreadyExistsException", null),
        [RegistryError.EmptyUpload] = new(400, "BLOB_UPLOAD_INVALID", 400, "EmptyUploadException", null),
        [RegistryError.InvalidTagParameter] = new(400, "UNSUPPORTED", 400, "InvalidTagParameterException", null),
        [RegistryError.TooManyTags] = new(400, "UNSUPPORTED", 400, "TooManyTagsException", null),
        [RegistryError.NoSuchEntity] = new(404, "NAME_UNKNOWN", 400, "InvalidParameterException", null, 404, "NoSuchEntity"),
        [RegistryError.EntityAlreadyExists] = new(409, "DENIED", 400, "InvalidParameterException", null, 409, "EntityAlreadyExists"),
        [RegistryError.DeleteConflict] = new(409, "DENIED", 400, "InvalidParameterException", null, 409, "DeleteConflict"),
        [RegistryError.MalformedPolicyDocument] = new(400, "UNSUPPORTED", 400, "InvalidParameterException", null, 400, "MalformedPolicyDocument"),
        [RegistryError.LimitExceeded] = new(429, "DENIED", 400, "LimitExceededException", null, 409, "LimitExceeded"),
        [RegistryError.ValidationError] = new(400, "UNSUPPORTED", 400, "ValidationException", null, 400, "ValidationError"),
        [RegistryError.RepositoryPolicyNotFound] = new(404, "NAME_UNKNOWN", 400, "RepositoryPolicyNotFoundException", null),
        [RegistryError.TokenRevoked] = new(403, "DENIED", 400, "ExpiredTokenException", null, 403, "InvalidClientTokenId"),
        [RegistryError.ReferencedImagesNotFound] = new(400, "MANIFEST_BLOB_UNKNOWN", 400, "ReferencedImagesNotFoundException", null),
    }.ToFrozenDictionary();

    public static ErrorDescriptor Describe(RegistryError error) => Table[error];

    public static IEnumerable<RegistryError> Described => Table.Keys;
}
