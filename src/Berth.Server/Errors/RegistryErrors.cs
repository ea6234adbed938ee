using System.Collections.Frozen;
using Berth.Registry;

namespace Berth.Server.Errors;

/// <summary>One row of the error table: how a failure looks on each protocol surface.</summary>
/// <param name="OciStatus">HTTP status on <c>/v2</c>.</param>
/// <param name="OciCode">Code in the OCI error body.</param>
/// <param name="EcrStatus">HTTP status on the ECR API (4xx: the CLI retries 5xx).</param>
/// <param name="EcrType">The <c>__type</c> on the ECR API.</param>
/// <param name="Message">Default text; a detail replaces it on the ECR API and is added as <c>detail</c> on /v2.</param>
internal sealed record ErrorDescriptor(int OciStatus, string OciCode, int EcrStatus, string EcrType, string? Message);

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
        [RegistryError.Denied] = new(403, "DENIED", 400, "AccessDeniedException", "requested access to the resource is denied"),
        [RegistryError.Unsupported] = new(405, "UNSUPPORTED", 400, "ValidationException", "the operation is unsupported"),
        [RegistryError.MissingAuthenticationToken] = new(401, "UNAUTHORIZED", 403, "MissingAuthenticationTokenException", "Missing Authentication Token"),
        [RegistryError.IncompleteSignature] = new(401, "UNAUTHORIZED", 400, "IncompleteSignatureException", "The request signature is incomplete."),
        [RegistryError.InvalidSignature] = new(401, "UNAUTHORIZED", 400, "InvalidSignatureException", InvalidSignatureMessage),
        [RegistryError.UnrecognizedClient] = new(401, "UNAUTHORIZED", 400, "UnrecognizedClientException", "The security token included in the request is invalid."),
        [RegistryError.UnknownOperation] = new(405, "UNSUPPORTED", 400, "com.amazon.coral.service#UnknownOperationException", null),
        [RegistryError.Serialization] = new(400, "UNSUPPORTED", 400, "SerializationException", "The request body could not be read as JSON for this operation."),
        [RegistryError.InvalidParameter] = new(400, "UNSUPPORTED", 400, "InvalidParameterException", "A parameter is invalid."),
    }.ToFrozenDictionary();

    public static ErrorDescriptor Describe(RegistryError error) => Table[error];

    public static IEnumerable<RegistryError> Described => Table.Keys;
}
