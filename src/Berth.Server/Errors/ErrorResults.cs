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
        var body = new OciErrorBody([new OciError(row.OciCode, row.Message ?? row.OciCode, detail)]);
        return TypedResults.Json(body, OciJsonContext.Default.OciErrorBody, statusCode: row.OciStatus);
    }

    public static IResult Ecr(RegistryError error, string? detail = null)
    {
        var row = RegistryErrors.Describe(error);
        return Ecr(row.EcrStatus, row.EcrType, detail ?? row.Message);
    }

    public static IResult Ecr(int status, string type, string? message) =>
        TypedResults.Json(new EcrErrorBody(type, message), EcrJsonContext.Default.EcrErrorBody, EcrProtocol.ContentType, status);
}
