using Berth.Registry;
using Berth.Server.Auth;
using Microsoft.AspNetCore.Diagnostics;

namespace Berth.Server.Errors;

/// <summary>Turns every exception into the protocol's error body: a <see cref="RegistryException"/> through the
/// table, a malformed request into 400, anything else into a logged 500 that reveals nothing.</summary>
internal sealed partial class RegistryExceptionHandler(ILogger<RegistryExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        if (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away mid-request (e.g. a PATCH cut off): nobody is left to answer, and it is not a server fault.
            if (logger.IsEnabled(LogLevel.Information))
            {
                LogAborted(logger, http.Request.Method, http.Request.Path.Value ?? "/");
            }

            return true;
        }

        var isOci = http.Request.Path.StartsWithSegments("/v2");
        var isIam = !isOci && Iam.IamEndpoints.IsIamRequest(http.Request);
        var result = exception switch
        {
            RegistryException failure when isIam => ErrorResults.Iam(http, failure.Error, failure.Detail),
            BadHttpRequestException bad when isIam => ErrorResults.Iam(http, bad.StatusCode, "MalformedInput", bad.Message),
            RegistryException failure => isOci ? ErrorResults.Oci(failure.Error, failure.Detail) : ErrorResults.Ecr(failure.Error, failure.Detail),
            BadHttpRequestException bad => isOci
                ? ErrorResults.Oci(RegistryError.Unsupported, bad.Message)
                : ErrorResults.Ecr(bad.StatusCode, "SerializationException", bad.Message),
            _ => null,
        };

        if (result is null)
        {
            LogUnhandled(logger, http.Request.Method, http.Request.Path, exception);
            result = isIam
                ? ErrorResults.Iam(http, 500, "ServiceFailure", "An internal error occurred.")
                : isOci
                ? TypedResults.Json(
                    new Protocol.Oci.OciErrorBody([new Protocol.Oci.OciError("UNKNOWN", "internal server error")]),
                    Protocol.Oci.OciJsonContext.Default.OciErrorBody,
                    statusCode: 500)
                : ErrorResults.Ecr(500, "ServerException", "An internal error occurred.");
        }

        // The exception handler middleware cleared the response, including the version header RegistryAuthentication
        // set; the spec and podman expect it on every /v2 response, errors (e.g. an expired token's 403) included.
        if (isOci)
        {
            http.Response.Headers[RegistryAuthentication.ApiVersionHeader] = "registry/2.0";
        }

        await result.ExecuteAsync(http);
        return true;
    }

    [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "Client aborted {Method} {Path}")]
    private static partial void LogAborted(ILogger logger, string method, string path);

    [LoggerMessage(EventId = 9000, Level = LogLevel.Error, Message = "Unhandled failure in {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, string method, string path, Exception exception);
}
