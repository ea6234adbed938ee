using Berth.Registry;
using Berth.Server.Errors;

namespace Berth.Server.Oci;

/// <summary>Maps the OCI Distribution API under <c>/v2</c>.</summary>
internal static class OciEndpoints
{
    private static readonly string[] Methods = ["GET", "HEAD", "POST", "PATCH", "PUT", "DELETE"];

    public static RouteGroupBuilder MapOciDistribution(this IEndpointRouteBuilder endpoints)
    {
        var v2 = endpoints.MapGroup("/v2");

        // end-1: the API version check; authentication already happened in RegistryAuthentication.
        v2.MapMethods("/", ["GET", "HEAD"], static () => TypedResults.Text("{}", "application/json"));

        // Repository names contain '/', so OciRoute parses the tail with the distribution-spec grammar.
        v2.MapMethods("/{**path}", Methods, DispatchAsync);
        return v2;
    }

    private static async Task<IResult> DispatchAsync(string path, HttpContext http)
    {
        // Protocol errors are answered here rather than by the global exception handler, because that handler clears the
        // response first: a 416 would lose the Range, Location and Docker-Upload-UUID the spec requires on it.
        try
        {
            return await RouteAsync(path, http);
        }
        catch (RegistryException failure)
        {
            // Headers a handler set for its success response may stay (the 416 needs them), its Content-Length may not.
            http.Response.ContentLength = null;
            return ErrorResults.Oci(failure.Error, failure.Detail);
        }
    }

    private static Task<IResult> RouteAsync(string path, HttpContext http)
    {
        // A path no endpoint has is 404 (a client probing an optional API reads that as "not here"), not NAME_INVALID:
        // the name in it may be fine. Bad names in endpoint-shaped paths still get NAME_INVALID from TryParse.
        var route = OciRoute.TryParse(path) ?? throw new RegistryException(RegistryError.EndpointUnknown, $"/v2/{path}");
        var method = http.Request.Method;
        return (route.Kind, method) switch
        {
            (OciRouteKind.Catalog, "GET") => ListingHandlers.CatalogAsync(http),
            (OciRouteKind.TagList, "GET") => ListingHandlers.TagsAsync(route, http),
            (OciRouteKind.Referrers, "GET") => ListingHandlers.ReferrersAsync(route, http),
            (OciRouteKind.Blob, "GET" or "HEAD") => BlobHandlers.GetAsync(route, http),
            (OciRouteKind.Blob, "DELETE") => BlobHandlers.DeleteAsync(route, http),
            (OciRouteKind.UploadStart, "POST") => UploadHandlers.StartAsync(route, http),
            (OciRouteKind.Upload, "GET") => UploadHandlers.StatusAsync(route, http),
            (OciRouteKind.Upload, "PATCH") => UploadHandlers.AppendAsync(route, http),
            (OciRouteKind.Upload, "PUT") => UploadHandlers.CompleteAsync(route, http),
            (OciRouteKind.Upload, "DELETE") => UploadHandlers.CancelAsync(route, http),
            (OciRouteKind.Manifest, "GET" or "HEAD") => ManifestHandlers.GetAsync(route, http),
            (OciRouteKind.Manifest, "PUT") => ManifestHandlers.PutAsync(route, http),
            (OciRouteKind.Manifest, "DELETE") => ManifestHandlers.DeleteAsync(route, http),
            _ => throw new RegistryException(RegistryError.Unsupported, $"{method} is not supported on /v2/{path}"),
        };
    }
}
