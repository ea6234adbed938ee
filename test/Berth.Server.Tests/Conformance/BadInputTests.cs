using System.Net;

namespace Berth.Server.Tests.Conformance;

/// <summary>Malformed requests get 4xx with an OCI error body, never a 5xx (OciClient fails any test that sees one).</summary>
public sealed class BadInputTests(OciServerFixture fixture) : IClassFixture<OciServerFixture>
{
    private OciClient Client => fixture.Client;

    [Theory]
    [InlineData("/v2/Team/App/tags/list")]
    [InlineData("/v2/team/APP/manifests/latest")]
    [InlineData("/v2/team..app/tags/list")]
    [InlineData("/v2/team/.app/tags/list")]
    [InlineData("/v2/team/app./tags/list")]
    [InlineData("/v2/-team/app/tags/list")]
    [InlineData("/v2/team//app/tags/list")]
    [InlineData("/v2/a/tags/list")]
    [InlineData("/v2/team/app%2F..%2F..%2Fetc/tags/list")]
    [InlineData("/v2/team/ap%20p/tags/list")]
    [InlineData("/v2/team/app:1/tags/list")]
    public async Task InvalidName_400NameInvalid(string path)
    {
        using var response = await Client.GetAsync(path);

        await OciAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "NAME_INVALID");
    }

    [Fact]
    public async Task InvalidName_TooLong_400NameInvalid()
    {
        var name = string.Join('/', Enumerable.Repeat(new string('a', 63), 5));

        using var response = await Client.SendAsync(HttpMethod.Post, $"/v2/{name}/blobs/uploads/", OciContent.Octets([]));

        await OciAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "NAME_INVALID");
    }

    [Theory]
    [InlineData("/v2/team/../app/tags/list")]
    [InlineData("/v2/team/sub/%2e%2e/%2e%2e/team/app/tags/list")]
    [InlineData("/v2/team/app/blobs/uploads/../../../../metadata.db")]
    public async Task DotSegments_SentUnnormalized_NeverEscapeTheApi(string path)
    {
        // Sent byte for byte: HttpClient would otherwise collapse the dot segments before they reach the server.
        using var request = new HttpRequestMessage(
            HttpMethod.Get, new Uri(Client.Url("/").GetLeftPart(UriPartial.Authority) + path, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true }));

        using var response = await Client.SendAsync(request);

        Assert.True((int)response.StatusCode is >= 400 and < 500, $"{path} -> {(int)response.StatusCode}");
    }

    [Theory]
    [InlineData("POST", "/v2/team/app/manifests/latest")]
    [InlineData("PATCH", "/v2/team/app/manifests/latest")]
    [InlineData("PUT", "/v2/team/app/tags/list")]
    [InlineData("POST", "/v2/team/app/blobs/sha256:0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("PUT", "/v2/team/app/blobs/uploads/")]
    [InlineData("DELETE", "/v2/_catalog")]
    [InlineData("POST", "/v2/team/app/referrers/sha256:0000000000000000000000000000000000000000000000000000000000000000")]
    public async Task MethodNotOnEndpoint_405Unsupported(string method, string path)
    {
        using var response = await Client.SendAsync(new HttpMethod(method), path, OciContent.Octets([]));

        await OciAssert.ErrorAsync(response, HttpStatusCode.MethodNotAllowed, "UNSUPPORTED");
    }

    [Theory]
    [InlineData("/v2/team/app")]
    [InlineData("/v2/team/app/")]
    [InlineData("/v2/team/app/blobs/")]
    [InlineData("/v2/team/app/manifests/")]
    [InlineData("/v2/team/app/tags/")]
    [InlineData("/v2/team/app/tags/other")]
    [InlineData("/v2/team/app/whatever/latest")]
    [InlineData("/v2/team/app/blobs/uploads/a/b")]
    public async Task UnknownPath_404Unsupported(string path)
    {
        using var response = await Client.GetAsync(path);

        // Not NAME_INVALID: "team/app" is a fine name; there is just no endpoint here.
        await OciAssert.ErrorAsync(response, HttpStatusCode.NotFound, "UNSUPPORTED");
    }

    [Theory]
    [InlineData("n=-1")]
    [InlineData("n=x")]
    [InlineData("n=1&n=2")]
    [InlineData("n=%2B1")]
    [InlineData("n=99999999999999999999999999999999")]
    public async Task Catalog_BadN_400(string query)
    {
        using var response = await Client.GetAsync($"/v2/_catalog?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("bytes 0-9")]
    [InlineData("bytes=0-9")]
    public async Task Patch_ContentRangeWithUnitPrefix_Tolerated(string range)
    {
        var repository = OciServerFixture.NewRepository();
        var location = await Client.StartUploadAsync(repository);

        using var response = await Client.SendAsync(HttpMethod.Patch, location, OciContent.Octets(OciContent.RandomBytes(10)), r =>
            r.Content!.Headers.TryAddWithoutValidation("Content-Range", range));

        await OciAssert.StatusAsync(HttpStatusCode.Accepted, response);
        OciAssert.UploadHeaders(response, repository, received: 10);
    }
}
