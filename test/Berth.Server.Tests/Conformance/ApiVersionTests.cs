using System.Net;

namespace Berth.Server.Tests.Conformance;

/// <summary>end-1 (<c>GET /v2/</c>) and the authentication errors every endpoint shares: UNAUTHORIZED and DENIED.</summary>
public sealed class ApiVersionTests(OciServerFixture fixture) : IClassFixture<OciServerFixture>
{
    private OciClient Client => fixture.Client;

    [Theory]
    [InlineData("GET")]
    [InlineData("HEAD")]
    public async Task ApiVersion_Authenticated_200WithVersionHeader(string method)
    {
        using var response = await Client.SendAsync(new HttpMethod(method), "/v2/");

        await OciAssert.StatusAsync(HttpStatusCode.OK, response);
    }

    [Theory]
    [InlineData("GET", "/v2/")]
    [InlineData("GET", "/v2/team/app/tags/list")]
    [InlineData("HEAD", "/v2/team/app/manifests/latest")]
    [InlineData("POST", "/v2/team/app/blobs/uploads/")]
    [InlineData("GET", "/v2/_catalog")]
    public async Task AnyEndpoint_WithoutCredentials_401UnauthorizedWithBasicChallenge(string method, string path)
    {
        using var anonymous = OciClient.Anonymous(fixture.Server);

        using var response = await anonymous.SendAsync(new HttpMethod(method), path);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("Basic realm=", OciAssert.Header(response, "WWW-Authenticate"), StringComparison.Ordinal);
        if (method != "HEAD")
        {
            await OciAssert.ErrorAsync(response, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        }
    }

    [Fact]
    public async Task Manifest_WrongPassword_401Unauthorized()
    {
        using var client = new OciClient(fixture.Server, "not-a-token");

        using var response = await client.GetAsync("/v2/team/app/manifests/latest");

        await OciAssert.ErrorAsync(response, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
    }

    [Fact]
    public async Task Push_UserWithoutPermission_403Denied()
    {
        var repository = OciServerFixture.NewRepository();
        using var unprivileged = await OciClient.CreateUnprivilegedAsync(fixture.Server);

        using var response = await unprivileged.SendAsync(HttpMethod.Post, $"/v2/{repository}/blobs/uploads/", OciContent.Octets([]));

        var message = await OciAssert.ErrorAsync(response, HttpStatusCode.Forbidden, "DENIED");
        Assert.Contains("is not authorized to perform: ecr:InitiateLayerUpload", message, StringComparison.Ordinal);
        using var catalog = await Client.GetAsync("/v2/_catalog");
        Assert.DoesNotContain(repository, await catalog.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pull_UserWithoutPermission_403Denied()
    {
        var repository = OciServerFixture.NewRepository();
        var image = await Client.PushImageAsync(repository, "v1");
        using var unprivileged = await OciClient.CreateUnprivilegedAsync(fixture.Server);

        using var manifest = await unprivileged.GetAsync($"/v2/{repository}/manifests/v1");
        using var blob = await unprivileged.GetAsync($"/v2/{repository}/blobs/{image.Layer.Digest}");

        await OciAssert.ErrorAsync(manifest, HttpStatusCode.Forbidden, "DENIED");
        await OciAssert.ErrorAsync(blob, HttpStatusCode.Forbidden, "DENIED");
    }

    [Fact]
    public async Task Catalog_UserWithoutPermission_ListsNothing()
    {
        await Client.PushImageAsync(OciServerFixture.NewRepository(), "v1");
        using var unprivileged = await OciClient.CreateUnprivilegedAsync(fixture.Server);

        using var response = await unprivileged.GetAsync("/v2/_catalog");

        await OciAssert.StatusAsync(HttpStatusCode.OK, response);
        Assert.Equal("""{"repositories":[]}""", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }
}
