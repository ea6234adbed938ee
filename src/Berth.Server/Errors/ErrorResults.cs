using Berth.Protocol.Ecr;
using Berth.Protocol.Oci;
using Berth.Registry;

namespace Berth.Server.Errors;

/// <summary>Writes error bodies in each protocol's own shape, from the one table.</summary>
internal static class ErrorResults
{
    public static IResult Oci(RegistryError error, string? detail = null)
    {
        var row = RegistryErrors.Describe(error);
        // Rows without a fixed text (ECR's own wording, e.g. NAME_UNKNOWN) show the detail as the message,
        // because that is what podman and docker print.
        var body = row.Message is null
            ? new OciErrorBody([new OciError(row.OciCode, detail ?? row.OciCode)])
            : new OciErrorBody([new OciError(row.OciCode, row.Message, detail)]);
        return TypedResults.Json(body, OciJsonContext.Default.OciErrorBody, statusCode: row.OciStatus);
    }

    public static IResult Ecr(RegistryError error, string? detail = null)
    {
        var row = RegistryErrors.Describe(error);
        return Ecr(row.EcrStatus, row.EcrType, detail ?? row.Message);
    }

    public static IResult Iam(HttpContext http, RegistryError error, string? detail = null)
    {
        var row = RegistryErrors.Describe(error);
        var status = row.IamStatus != 0 ? row.IamStatus : row.EcrStatus >= 500 ? 500 : 400;
        return Iam(http, status, row.IamCode ?? (status >= 500 ? "ServiceFailure" : "InvalidInput"), detail ?? row.Message ?? row.IamCode ?? error.ToString());
    }

    public static IResult Iam(HttpContext http, int status, string code, string message)
    {
        var requestId = Berth.Server.Iam.IamEndpoints.RequestId(http);
        http.Response.Headers["x-amzn-RequestId"] = requestId;
        return Berth.Server.Iam.IamXml.Error(status, code, message, requestId);
    }

    public static IResult Ecr(int status, string type, string? message) =>
        TypedResults.Json(new EcrErrorBody(type, message), EcrJsonContext.Default.EcrErrorBody, EcrProtocol.ContentType, status);
}
