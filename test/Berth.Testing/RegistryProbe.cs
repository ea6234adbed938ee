using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace Berth.Testing;

/// <summary>Plain HTTP probes of a test server's registry with a stored credential (what podman would send).</summary>
public static class RegistryProbe
{
    /// <summary>The status of <c>GET /v2/REPO/manifests/TAG</c> with Basic <paramref name="auth"/> (base64 <c>AWS:password</c>).</summary>
    public static async Task<HttpStatusCode> ManifestStatusAsync(
        BerthTestServer server, string auth, string repository, string tag, CancellationToken cancellationToken = default)
    {
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v2/{repository}/manifests/{tag}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", auth);
        request.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
        using var response = await http.SendAsync(request, cancellationToken);
        return response.StatusCode;
    }

    /// <summary>Polls every 100 ms until the manifest request answers 403, for at most 15 s; returns how long it took.</summary>
    public static async Task<TimeSpan> TimeUntilForbiddenAsync(
        BerthTestServer server, string auth, string repository, string tag, CancellationToken cancellationToken = default)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(15)
            && await ManifestStatusAsync(server, auth, repository, tag, cancellationToken) != HttpStatusCode.Forbidden)
        {
            await Task.Delay(100, cancellationToken);
        }

        return watch.Elapsed;
    }
}
