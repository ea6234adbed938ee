using System.Net;
using System.Text;
using System.Text.Json;
using Berth.Registry.Security;
using Berth.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Server.Tests.Conformance;

/// <summary>An authenticated OCI distribution client for the conformance suite, written from the spec, not from the server.</summary>
/// <remarks>
/// Every response it receives is checked for what the spec and podman require of <em>any</em> response: the
/// <c>Docker-Distribution-Api-Version: registry/2.0</c> header, and no 5xx (client errors are never server errors).
/// URLs are built from the server's current address on every request, so a client survives
/// <see cref="BerthTestServer.RestartAsync"/> (which moves the server to a new port).
/// </remarks>
internal sealed class OciClient(BerthTestServer server, string? password) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false });

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A client of the bootstrap admin.</summary>
    public static async Task<OciClient> CreateAsync(BerthTestServer server) => new(server, await server.IssuePasswordAsync(Ct));

    /// <summary>A client without credentials.</summary>
    public static OciClient Anonymous(BerthTestServer server) => new(server, password: null);

    /// <summary>A client of a new, active user that no policy allows anything (the admin-only policy denies it all).</summary>
    public static async Task<OciClient> CreateUnprivilegedAsync(BerthTestServer server)
    {
        var user = new Principal($"user-{Guid.NewGuid():N}", IsAdmin: false, IsActive: true, server.Time.GetUtcNow());
        Assert.True(await server.Services.GetRequiredService<IPrincipalStore>().CreateUserAsync(user, Ct));
        var key = await server.Services.GetRequiredService<AccessKeys>().CreateAsync(user, Ct);
        return new(server, server.Services.GetRequiredService<ITokenService>().Issue(key).Password);
    }

    /// <summary>The <c>Authorization</c> header value, for tests that speak raw HTTP.</summary>
    public string Authorization => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("AWS:" + password));

    /// <summary>Resolves a path (or a relative <c>Location</c>) against the server's current address.</summary>
    public Uri Url(string pathAndQuery) => new(server.BaseAddress, pathAndQuery);

    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        if (password is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", Authorization);
        }

        var response = await _http.SendAsync(request, Ct);
        var status = (int)response.StatusCode;
        if (status >= 500)
        {
            // The server logs the exception behind a 500; show it with the failure.
            var errors = server.Logs.Lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal));
            Assert.Fail($"{request.Method} {request.RequestUri} -> {status}: {await response.Content.ReadAsStringAsync(Ct)}\n{string.Join('\n', errors)}");
        }

        Assert.True(
            response.Headers.TryGetValues("Docker-Distribution-Api-Version", out var versions) && versions.SequenceEqual(["registry/2.0"]),
            $"{request.Method} {request.RequestUri} -> {status} lacks Docker-Distribution-Api-Version: registry/2.0");
        return response;
    }

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string pathAndQuery, HttpContent? content = null, Action<HttpRequestMessage>? configure = null)
    {
        var request = new HttpRequestMessage(method, Url(pathAndQuery)) { Content = content };
        configure?.Invoke(request);
        return SendAsync(request);
    }

    public Task<HttpResponseMessage> GetAsync(string pathAndQuery, Action<HttpRequestMessage>? configure = null) =>
        SendAsync(HttpMethod.Get, pathAndQuery, configure: configure);

    public Task<HttpResponseMessage> HeadAsync(string pathAndQuery) => SendAsync(HttpMethod.Head, pathAndQuery);

    public Task<HttpResponseMessage> DeleteAsync(string pathAndQuery) => SendAsync(HttpMethod.Delete, pathAndQuery);

    /// <summary>end-4a: starts an upload and returns its <c>Location</c>, checking the 202 and its headers.</summary>
    public async Task<string> StartUploadAsync(string repository)
    {
        using var response = await SendAsync(HttpMethod.Post, $"/v2/{repository}/blobs/uploads/", OciContent.Octets([]));
        await OciAssert.StatusAsync(HttpStatusCode.Accepted, response);
        return OciAssert.Location(response);
    }

    /// <summary>end-4a + end-6: pushes a blob monolithically (POST, then PUT with the whole body) and returns its descriptor.</summary>
    public async Task<OciDescriptor> PushBlobAsync(string repository, byte[] content, string mediaType = OciContent.LayerMediaType)
    {
        var location = await StartUploadAsync(repository);
        var digest = OciContent.Digest(content);
        using var response = await SendAsync(HttpMethod.Put, WithDigest(location, digest), OciContent.Octets(content));
        await OciAssert.StatusAsync(HttpStatusCode.Created, response);
        return new OciDescriptor(mediaType, digest, content.Length);
    }

    /// <summary>end-7: puts a manifest with its media type as Content-Type.</summary>
    public Task<HttpResponseMessage> PutManifestAsync(string repository, string reference, byte[] manifest, string mediaType) =>
        SendAsync(HttpMethod.Put, $"/v2/{repository}/manifests/{reference}", OciContent.Typed(manifest, mediaType));

    /// <summary>Pushes a config and a layer, then an OCI image manifest under <paramref name="reference"/>.</summary>
    public async Task<PushedManifest> PushImageAsync(string repository, string reference, OciDescriptor? subject = null, string? artifactType = null)
    {
        var config = await PushBlobAsync(repository, OciContent.RandomConfig(), OciContent.ConfigMediaType);
        var layer = await PushBlobAsync(repository, OciContent.RandomBytes(512));
        var manifest = OciContent.ImageManifest(config, [layer], subject: subject, artifactType: artifactType);
        using var response = await PutManifestAsync(repository, reference, manifest, OciContent.OciManifest);
        await OciAssert.StatusAsync(HttpStatusCode.Created, response);
        return new PushedManifest(manifest, new OciDescriptor(OciContent.OciManifest, OciContent.Digest(manifest), manifest.Length), config, layer);
    }

    /// <summary>Appends <c>digest=</c> to a location that may already carry a query (the spec lets it).</summary>
    public static string WithDigest(string location, string digest) =>
        location + (location.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "digest=" + Uri.EscapeDataString(digest);

    public void Dispose() => _http.Dispose();
}

/// <summary>A manifest pushed by <see cref="OciClient.PushImageAsync"/>.</summary>
internal sealed record PushedManifest(byte[] Content, OciDescriptor Descriptor, OciDescriptor Config, OciDescriptor Layer)
{
    public string Digest => Descriptor.Digest;
}

/// <summary>Checks on responses that the spec defines.</summary>
internal static class OciAssert
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Asserts the status, showing the body when it differs.</summary>
    public static async Task StatusAsync(HttpStatusCode expected, HttpResponseMessage response)
    {
        if (response.StatusCode != expected)
        {
            Assert.Fail($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: expected {(int)expected}, got {(int)response.StatusCode}: " +
                await response.Content.ReadAsStringAsync(Ct));
        }
    }

    /// <summary>Asserts an OCI error response: the status, a JSON body <c>{"errors":[{code,message,...}]}</c> whose first code is <paramref name="code"/>; returns its message.</summary>
    public static async Task<string> ErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        await StatusAsync(status, response);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync(Ct);
        using var json = JsonDocument.Parse(body);
        var errors = json.RootElement.GetProperty("errors");
        Assert.True(errors.GetArrayLength() > 0, body);
        var error = errors[0];
        Assert.Equal(code, error.GetProperty("code").GetString());
        var message = error.GetProperty("message").GetString();
        Assert.False(string.IsNullOrEmpty(message), body);
        return message!;
    }

    /// <summary>The <c>Location</c> header, which must be present.</summary>
    public static string Location(HttpResponseMessage response)
    {
        Assert.NotNull(response.Headers.Location);
        return response.Headers.Location.OriginalString;
    }

    /// <summary>The single value of a response header, which must be present.</summary>
    public static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? Assert.Single(values)
            : throw new Xunit.Sdk.XunitException($"missing header {name}");

    /// <summary>Asserts the upload headers of end-4a/5/13: Location, <c>Range: 0-&lt;end&gt;</c>, Docker-Upload-UUID; returns the Location.</summary>
    public static string UploadHeaders(HttpResponseMessage response, string repository, long received)
    {
        var location = Location(response);
        Assert.StartsWith($"/v2/{repository}/blobs/uploads/", location, StringComparison.Ordinal);
        var uuid = Header(response, "Docker-Upload-UUID");
        Assert.True(Guid.TryParse(uuid, out _), uuid);
        Assert.Contains(uuid, location, StringComparison.Ordinal);

        // An empty upload reports 0-0, as docker/distribution does (there is no way to write "nothing" as an inclusive range).
        Assert.Equal(received == 0 ? "0-0" : $"0-{received - 1}", Header(response, "Range"));
        return location;
    }

    /// <summary>Asserts a 201 for a stored blob: Location of the blob and its Docker-Content-Digest.</summary>
    public static async Task BlobCreatedAsync(HttpResponseMessage response, string repository, string digest)
    {
        await StatusAsync(HttpStatusCode.Created, response);
        Assert.Equal($"/v2/{repository}/blobs/{digest}", Location(response));
        Assert.Equal(digest, Header(response, "Docker-Content-Digest"));
    }
}
