using System.Globalization;
using Berth.Protocol;
using Berth.Registry;
using Berth.Registry.Blobs;
using Berth.Registry.Repositories;
using Berth.Registry.Security;
using Berth.Registry.Storage;
using Berth.Server.Auth;

namespace Berth.Server.Oci;

/// <summary>end-4a/4b/5/6/11/13/14: starting, appending to, completing, inspecting and cancelling blob uploads.</summary>
internal static class UploadHandlers
{
    public static async Task<IResult> StartAsync(OciRoute route, HttpContext http)
    {
        var (blobs, ct) = await PrepareAsync(route, http);
        var query = http.Request.Query;

        if (query.TryGetValue("mount", out var mount) && query.TryGetValue("from", out var from)
            && Digest.TryParse(mount.ToString(), out var mountDigest) && RepositoryName.IsValid(from.ToString())
            && await http.RequestServices.GetRequiredService<Authorizer>().IsAllowedAsync(http, from.ToString(), EcrActions.BatchGetImage)
            && await blobs.MountAsync(route.Repository, mountDigest, from.ToString(), ct) is not null)
        {
            return Created(http, route.Repository, mountDigest);
        }

        // end-4b: the whole blob in one POST. The digest is checked before a session exists, or a malformed one would
        // leave an upload file and row behind that nobody knows the id of.
        Digest? monolithic = query.TryGetValue("digest", out var digestText) ? ParseDigest(digestText.ToString()) : null;
        var upload = await blobs.StartUploadAsync(route.Repository, ct);
        if (monolithic is { } digest)
        {
            try
            {
                await upload.AppendAsync(http.Request.Body, 0, ct);
                await blobs.CompleteUploadAsync(route.Repository, upload, digest, ct);
                return Created(http, route.Repository, digest);
            }
            catch
            {
                await blobs.CancelUploadAsync(upload, CancellationToken.None);
                throw;
            }
        }

        SetUploadHeaders(http, route.Repository, upload);
        return TypedResults.StatusCode(StatusCodes.Status202Accepted);
    }

    public static async Task<IResult> StatusAsync(OciRoute route, HttpContext http)
    {
        var (blobs, ct) = await PrepareAsync(route, http);
        var upload = await blobs.ResumeUploadAsync(route.Repository, route.Reference, ct);
        SetUploadHeaders(http, route.Repository, upload);
        return TypedResults.NoContent();
    }

    public static async Task<IResult> AppendAsync(OciRoute route, HttpContext http)
    {
        var (blobs, ct) = await PrepareAsync(route, http);
        var upload = await blobs.ResumeUploadAsync(route.Repository, route.Reference, ct);
        await AppendBodyAsync(http, route.Repository, upload, ct);
        SetUploadHeaders(http, route.Repository, upload);
        return TypedResults.StatusCode(StatusCodes.Status202Accepted);
    }

    public static async Task<IResult> CompleteAsync(OciRoute route, HttpContext http)
    {
        var (blobs, ct) = await PrepareAsync(route, http);
        var upload = await blobs.ResumeUploadAsync(route.Repository, route.Reference, ct);
        var digest = ParseDigest(http.Request.Query["digest"].ToString());
        await AppendBodyAsync(http, route.Repository, upload, ct);
        await blobs.CompleteUploadAsync(route.Repository, upload, digest, ct);
        return Created(http, route.Repository, digest);
    }

    public static async Task<IResult> CancelAsync(OciRoute route, HttpContext http)
    {
        var (blobs, ct) = await PrepareAsync(route, http);
        var upload = await blobs.ResumeUploadAsync(route.Repository, route.Reference, ct);
        await blobs.CancelUploadAsync(upload, ct);
        return TypedResults.NoContent();
    }

    private static async Task<(BlobService Blobs, CancellationToken Ct)> PrepareAsync(OciRoute route, HttpContext http)
    {
        var services = http.RequestServices;
        await services.GetRequiredService<Authorizer>().RequireAsync(
            http, route.Repository, EcrActions.InitiateLayerUpload, EcrActions.UploadLayerPart, EcrActions.CompleteLayerUpload);
        await services.GetRequiredService<RepositoryService>().RequireAsync(route.Repository, forPush: true, http.RequestAborted);
        return (services.GetRequiredService<BlobService>(), http.RequestAborted);
    }

    // A chunk with Content-Range must start where the upload ends; a streamed chunk (no Content-Range, maybe no
    // Content-Length) is appended as it arrives.
    private static async Task AppendBodyAsync(HttpContext http, string repository, IBlobUpload upload, CancellationToken ct)
    {
        var request = http.Request;
        var range = request.Headers.ContentRange.ToString();
        var offset = upload.Length;
        if (range.Length > 0)
        {
            // Only an out-of-order chunk is 416 (the spec's one use of it, with the Range to resume from). A header that is
            // not <start>-<end> is a bad request, and a range whose size contradicts Content-Length is SIZE_INVALID, as
            // docker/distribution answers; neither is an unsatisfiable range.
            if (!TryParseRange(range, out var start, out var end))
            {
                throw new RegistryException(RegistryError.BlobUploadInvalid, $"invalid Content-Range '{range}': expected <start>-<end>");
            }

            if (start != upload.Length)
            {
                SetUploadHeaders(http, repository, upload);
                throw new RegistryException(RegistryError.RangeInvalid, $"the upload is at offset {upload.Length}; the chunk starts at {start}");
            }

            if (request.ContentLength is { } length && length != end - start + 1)
            {
                throw new RegistryException(
                    RegistryError.SizeInvalid, $"Content-Range '{range}' is {end - start + 1} bytes; Content-Length says {length}");
            }

            offset = start;
        }

        if (request.ContentLength is 0 || (request.ContentLength is null && !request.Headers.TransferEncoding.ToString().Contains("chunked", StringComparison.OrdinalIgnoreCase)))
        {
            return;
        }

        var before = upload.Length;
        try
        {
            await upload.AppendAsync(request.Body, offset, ct);
        }
        catch (RegistryException e) when (e.Error == RegistryError.RangeInvalid)
        {
            // Another request on this upload appended first; upload.Length is where it ends now, which the client needs.
            SetUploadHeaders(http, repository, upload);
            throw;
        }

        if (request.ContentLength is { } declared && upload.Length - before != declared)
        {
            throw new RegistryException(RegistryError.SizeInvalid, $"received {upload.Length - before} bytes, Content-Length said {declared}");
        }
    }

    private static bool TryParseRange(string value, out long start, out long end)
    {
        start = end = -1;
        var text = value.StartsWith("bytes ", StringComparison.Ordinal) ? value[6..] : value.StartsWith("bytes=", StringComparison.Ordinal) ? value[6..] : value;
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        return dash > 0
            && long.TryParse(text.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out start)
            && long.TryParse(text.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out end)
            && end >= start;
    }

    private static Digest ParseDigest(string value) =>
        Digest.TryParse(value, out var digest) ? digest : throw new RegistryException(RegistryError.DigestInvalid, $"invalid digest '{value}'");

    private static void SetUploadHeaders(HttpContext http, string repository, IBlobUpload upload)
    {
        var headers = http.Response.Headers;
        headers.Location = $"/v2/{repository}/blobs/uploads/{upload.Id}";
        headers.Range = upload.Length == 0 ? "0-0" : string.Create(CultureInfo.InvariantCulture, $"0-{upload.Length - 1}");
        headers["Docker-Upload-UUID"] = upload.Id;
        http.Response.ContentLength = 0;
    }

    private static Microsoft.AspNetCore.Http.HttpResults.Created Created(HttpContext http, string repository, Digest digest)
    {
        http.Response.Headers["Docker-Content-Digest"] = digest.ToString();
        http.Response.ContentLength = 0;
        return TypedResults.Created($"/v2/{repository}/blobs/{digest}");
    }
}
