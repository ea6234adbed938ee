using Berth.Registry;
using Berth.Registry.Blobs;
using Berth.Registry.Repositories;
using Berth.Registry.Security;
using Berth.Registry.Storage;
using Berth.Server.Auth;

namespace Berth.Server.Oci;

/// <summary>end-2 (GET/HEAD blob) and end-10 (DELETE blob).</summary>
internal static class BlobHandlers
{
    public static async Task<IResult> GetAsync(OciRoute route, HttpContext http)
    {
        var services = http.RequestServices;
        var authorizer = services.GetRequiredService<Authorizer>();

        // HEAD is how a pusher checks which layers exist (ECR's BatchCheckLayerAvailability, in the push set); anyone
        // who may download a layer may also ask whether it exists.
        if (!HttpMethods.IsHead(http.Request.Method)
            || !await authorizer.IsAllowedAsync(http, route.Repository, EcrActions.BatchCheckLayerAvailability))
        {
            await authorizer.RequireAsync(http, route.Repository, EcrActions.BatchGetImage, EcrActions.GetDownloadUrlForLayer);
        }

        await services.GetRequiredService<RepositoryService>().RequireAsync(route.Repository, forPush: false, http.RequestAborted);
        var digest = route.Digest;
        var blobs = services.GetRequiredService<BlobService>();
        if (await blobs.FindAsync(route.Repository, digest, http.RequestAborted) is not { } blob)
        {
            throw new RegistryException(RegistryError.BlobUnknown, digest.ToString());
        }

        http.Response.Headers["Docker-Content-Digest"] = digest.ToString();
        http.Response.Headers.ETag = $"\"{digest}\"";

        // Local files go out with sendfile (zero-copy); Range requests get 206 and Accept-Ranges from the file result.
        if (services.GetService<IBlobStore>() is IBlobFileProvider files && files.FindFile(digest) is { } path)
        {
            return TypedResults.PhysicalFile(path, "application/octet-stream", enableRangeProcessing: true);
        }

        var stream = await blobs.OpenAsync(route.Repository, digest, 0, http.RequestAborted)
            ?? throw new RegistryException(RegistryError.BlobUnknown, digest.ToString());
        http.Response.ContentLength = blob.Length;
        return TypedResults.Stream(stream, "application/octet-stream", enableRangeProcessing: stream.CanSeek);
    }

    public static async Task<IResult> DeleteAsync(OciRoute route, HttpContext http)
    {
        var services = http.RequestServices;
        await services.GetRequiredService<Authorizer>().RequireAsync(http, route.Repository, EcrActions.BatchDeleteImage);
        await services.GetRequiredService<RepositoryService>().RequireAsync(route.Repository, forPush: false, http.RequestAborted);
        var digest = route.Digest;
        return await services.GetRequiredService<BlobService>().UnlinkAsync(route.Repository, digest, http.RequestAborted)
            ? TypedResults.Accepted((string?)null)
            : throw new RegistryException(RegistryError.BlobUnknown, digest.ToString());
    }
}
