namespace Berth.Server.Oci;

/// <summary>Maps the OCI Distribution API under <c>/v2</c>.</summary>
internal static class OciEndpoints
{
    public static RouteGroupBuilder MapOciDistribution(this IEndpointRouteBuilder endpoints)
    {
        var v2 = endpoints.MapGroup("/v2");

        // end-1: the API version check; authentication already happened in RegistryAuthentication.
        v2.MapGet("/", static () => TypedResults.Text("{}", "application/json"));
        return v2;
    }
}
