using System.Net;
using Berth.Testing;

namespace Berth.Server.Tests.Conformance;

/// <summary>Repositories as ECR has them: never created by a push (NAME_UNKNOWN with ECR's message) unless create-on-push is on.</summary>
public sealed class RepositoryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string> EveryEndpoint => new()
    {
        { "GET", "/v2/team/missing/tags/list" },
        { "GET", "/v2/team/missing/manifests/latest" },
        { "HEAD", "/v2/team/missing/manifests/latest" },
        { "PUT", "/v2/team/missing/manifests/latest" },
        { "DELETE", "/v2/team/missing/manifests/latest" },
        { "GET", $"/v2/team/missing/blobs/{OciContent.UnknownDigest()}" },
        { "HEAD", $"/v2/team/missing/blobs/{OciContent.UnknownDigest()}" },
        { "DELETE", $"/v2/team/missing/blobs/{OciContent.UnknownDigest()}" },
        { "POST", "/v2/team/missing/blobs/uploads/" },
        { "POST", $"/v2/team/missing/blobs/uploads/?digest={OciContent.Digest([])}" },
        { "POST", $"/v2/team/missing/blobs/uploads/?mount={OciContent.UnknownDigest()}&from=team/other" },
        { "GET", "/v2/team/missing/blobs/uploads/00000000-0000-0000-0000-000000000000" },
        { "PATCH", "/v2/team/missing/blobs/uploads/00000000-0000-0000-0000-000000000000" },
        { "PUT", $"/v2/team/missing/blobs/uploads/00000000-0000-0000-0000-000000000000?digest={OciContent.Digest([])}" },
        { "DELETE", "/v2/team/missing/blobs/uploads/00000000-0000-0000-0000-000000000000" },
        { "GET", $"/v2/team/missing/referrers/{OciContent.UnknownDigest()}" },
    };

    [Theory]
    [MemberData(nameof(EveryEndpoint))]
    public async Task MissingRepository_WithoutCreateOnPush_404NameUnknownWithEcrMessage(string method, string path)
    {
        await using var server = await BerthTestServer.StartAsync(cancellationToken: Ct);
        using var client = await OciClient.CreateAsync(server);
        var content = method is "PUT" && path.Contains("/manifests/", StringComparison.Ordinal)
            ? OciContent.Typed(OciContent.ImageManifest(new(OciContent.ConfigMediaType, OciContent.Digest([]), 0), []), OciContent.OciManifest)
            : OciContent.Octets([]);

        using var response = await client.SendAsync(new HttpMethod(method), path, content);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        if (method != "HEAD")
        {
            var message = await OciAssert.ErrorAsync(response, HttpStatusCode.NotFound, "NAME_UNKNOWN");
            Assert.Equal("The repository with name 'team/missing' does not exist in the registry with id '000000000000'", message);
        }

        using var catalog = await client.GetAsync("/v2/_catalog");
        Assert.Equal("""{"repositories":[]}""", await catalog.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Push_RepositoryCreatedThroughEcr_Succeeds()
    {
        await using var server = await BerthTestServer.StartAsync(cancellationToken: Ct);
        using var client = await OciClient.CreateAsync(server);
        using var http = new HttpClient();
        using var created = await http.SendAsync(
            new EcrRequests(server.BaseAddress, server.AccessKeyId, server.SecretAccessKey).Create("CreateRepository", """{"repositoryName":"team/app"}"""), Ct);
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);

        var image = await client.PushImageAsync("team/app", "v1");
        using var response = await client.GetAsync("/v2/team/app/manifests/v1");

        Assert.Equal(image.Content, await response.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task Push_WithCreateOnPush_CreatesTheRepository()
    {
        await using var server = await BerthTestServer.StartAsync(o => o with { Registry = o.Registry with { CreateOnPush = true } }, cancellationToken: Ct);
        using var client = await OciClient.CreateAsync(server);

        using var before = await client.GetAsync("/v2/team/app/tags/list");
        var image = await client.PushImageAsync("team/app", "v1");
        using var after = await client.GetAsync("/v2/team/app/tags/list");
        using var catalog = await client.GetAsync("/v2/_catalog");
        using var manifest = await client.GetAsync("/v2/team/app/manifests/v1");

        await OciAssert.ErrorAsync(before, HttpStatusCode.NotFound, "NAME_UNKNOWN");
        Assert.Equal("""{"name":"team/app","tags":["v1"]}""", await after.Content.ReadAsStringAsync(Ct));
        Assert.Equal("""{"repositories":["team/app"]}""", await catalog.Content.ReadAsStringAsync(Ct));
        Assert.Equal(image.Content, await manifest.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task Pull_WithCreateOnPush_DoesNotCreateTheRepository()
    {
        await using var server = await BerthTestServer.StartAsync(o => o with { Registry = o.Registry with { CreateOnPush = true } }, cancellationToken: Ct);
        using var client = await OciClient.CreateAsync(server);

        using var pull = await client.GetAsync("/v2/team/app/manifests/v1");
        using var catalog = await client.GetAsync("/v2/_catalog");

        await OciAssert.ErrorAsync(pull, HttpStatusCode.NotFound, "NAME_UNKNOWN");
        Assert.Equal("""{"repositories":[]}""", await catalog.Content.ReadAsStringAsync(Ct));
    }

    [Theory]
    [InlineData("team/blobs")]
    [InlineData("team/blobs/uploads")]
    [InlineData("manifests/tags")]
    [InlineData("team/referrers")]
    public async Task Push_NameEndingInAnEndpointKeyword_EveryEndpointAddressesThatRepository(string repository)
    {
        await using var server = await BerthTestServer.StartAsync(o => o with { Registry = o.Registry with { CreateOnPush = true } }, cancellationToken: Ct);
        using var client = await OciClient.CreateAsync(server);

        var image = await client.PushImageAsync(repository, "v1");
        using var manifest = await client.GetAsync($"/v2/{repository}/manifests/v1");
        using var blob = await client.GetAsync($"/v2/{repository}/blobs/{image.Layer.Digest}");
        using var tags = await client.GetAsync($"/v2/{repository}/tags/list");
        using var catalog = await client.GetAsync("/v2/_catalog");

        Assert.Equal(image.Content, await manifest.Content.ReadAsByteArrayAsync(Ct));
        await OciAssert.StatusAsync(HttpStatusCode.OK, blob);
        Assert.Equal($$"""{"name":"{{repository}}","tags":["v1"]}""", await tags.Content.ReadAsStringAsync(Ct));
        Assert.Equal($$"""{"repositories":["{{repository}}"]}""", await catalog.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task PutManifest_ExistingTagInImmutableRepository_400TagInvalidWithEcrMessage()
    {
        await using var server = await BerthTestServer.StartAsync(cancellationToken: Ct);
        using var client = await OciClient.CreateAsync(server);
        using var http = new HttpClient();
        using var created = await http.SendAsync(
            new EcrRequests(server.BaseAddress, server.AccessKeyId, server.SecretAccessKey)
                .Create("CreateRepository", """{"repositoryName":"team/app","imageTagMutability":"IMMUTABLE"}"""), Ct);
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var image = await client.PushImageAsync("team/app", "v1");
        var other = await client.PushImageAsync("team/app", "v2");

        // ECR refuses even an identical re-push.
        using var same = await client.PutManifestAsync("team/app", "v1", image.Content, OciContent.OciManifest);
        using var moved = await client.PutManifestAsync("team/app", "v1", other.Content, OciContent.OciManifest);
        using var byDigest = await client.PutManifestAsync("team/app", image.Digest, image.Content, OciContent.OciManifest);
        using var get = await client.GetAsync("/v2/team/app/manifests/v1");

        const string Message = "The image tag 'v1' already exists in the 'team/app' repository and cannot be overwritten because the tag is immutable.";
        Assert.Equal(Message, await OciAssert.ErrorAsync(same, HttpStatusCode.BadRequest, "TAG_INVALID"));
        Assert.Equal(Message, await OciAssert.ErrorAsync(moved, HttpStatusCode.BadRequest, "TAG_INVALID"));
        await OciAssert.StatusAsync(HttpStatusCode.Created, byDigest);
        Assert.Equal(image.Content, await get.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task Push_ExpiredToken_403DeniedWithEcrMessage()
    {
        await using var server = await BerthTestServer.StartAsync(o => o with { Registry = o.Registry with { CreateOnPush = true } }, cancellationToken: Ct);
        using var client = await OciClient.CreateAsync(server);
        server.Time.Advance(TimeSpan.FromHours(13));

        using var response = await client.SendAsync(HttpMethod.Post, "/v2/team/app/blobs/uploads/", OciContent.Octets([]));

        var message = await OciAssert.ErrorAsync(response, HttpStatusCode.Forbidden, "DENIED");
        Assert.Equal("Your authorization token has expired. Reauthenticate and try again.", message);
    }
}
