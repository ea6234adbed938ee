using Berth.Registry;
using Berth.Registry.Images;
using Berth.Registry.Manifests;
using Berth.Registry.Repositories;
using Berth.Registry.Security;
using Berth.Server.Auth;
using Berth.Server.Hosting;

namespace Berth.Server.Oci;

/// <summary>end-3 (GET/HEAD), end-7 (PUT) and end-9 (DELETE) manifests, by tag or digest.</summary>
internal static class ManifestHandlers
{
    public static async Task<IResult> GetAsync(OciRoute route, HttpContext http)
    {
        var services = http.RequestServices;
        await services.GetRequiredService<Authorizer>().RequireAsync(http, route.Repository, EcrActions.BatchGetImage);
        await services.GetRequiredService<RepositoryService>().RequireAsync(route.Repository, forPush: false, http.RequestAborted);
        var manifest = await services.GetRequiredService<ManifestService>().FindAsync(route.Repository, route.Reference, http.RequestAborted)
            ?? throw new RegistryException(RegistryError.ManifestUnknown, $"manifest '{route.Reference}' is not in '{route.Repository}'");

        // A GET is a pull (HEAD only probes): DescribeImages reports it as lastRecordedPullTime.
        if (HttpMethods.IsGet(http.Request.Method))
        {
            await services.GetRequiredService<ImageService>().RecordPullAsync(route.Repository, manifest.Digest, http.RequestAborted);
        }

        // Stored and served byte for byte: the digest of what goes out is the digest clients asked for.
        http.Response.Headers["Docker-Content-Digest"] = manifest.Digest.ToString();
        http.Response.Headers.ETag = $"\"{manifest.Digest}\"";
        return TypedResults.Bytes(manifest.Content, manifest.MediaType);
    }

    public static async Task<IResult> PutAsync(OciRoute route, HttpContext http)
    {
        var services = http.RequestServices;
        var options = services.GetRequiredService<RegistryOptions>();
        await services.GetRequiredService<Authorizer>().RequireAsync(http, route.Repository, EcrActions.PutImage);
        var repository = await services.GetRequiredService<RepositoryService>().RequireAsync(route.Repository, forPush: true, http.RequestAborted);
        var content = await RequestBody.ReadAsync(http.Request, options.MaxManifestBytes, RegistryError.ManifestTooLarge, "manifest", http.RequestAborted);
        var pushed = await services.GetRequiredService<ManifestService>()
            .PutAsync(repository, route.Reference, http.Request.ContentType, content, http.RequestAborted);

        http.Response.Headers["Docker-Content-Digest"] = pushed.Digest.ToString();
        if (pushed.Subject is { } subject)
        {
            http.Response.Headers["OCI-Subject"] = subject.ToString();
        }

        http.Response.ContentLength = 0;
        return TypedResults.Created($"/v2/{route.Repository}/manifests/{pushed.Digest}");
    }

    public static async Task<IResult> DeleteAsync(OciRoute route, HttpContext http)
    {
        var services = http.RequestServices;
        await services.GetRequiredService<Authorizer>().RequireAsync(http, route.Repository, EcrActions.BatchDeleteImage);
        await services.GetRequiredService<RepositoryService>().RequireAsync(route.Repository, forPush: false, http.RequestAborted);
        return await services.GetRequiredService<ManifestService>().DeleteAsync(route.Repository, route.Reference, http.RequestAborted)
            ? TypedResults.Accepted((string?)null)
            : throw new RegistryException(RegistryError.ManifestUnknown, $"manifest '{route.Reference}' is not in '{route.Repository}'");
    }
}
