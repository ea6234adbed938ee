using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Berth.Testing;

namespace Berth.Server.Tests.Conformance;

/// <summary>end-8 (tags list with <c>n</c>/<c>last</c> and <c>Link</c>) and <c>/v2/_catalog</c> with the same pagination.</summary>
public sealed partial class ListingTests(OciServerFixture fixture) : IClassFixture<OciServerFixture>
{
    private static readonly string[] Tags = ["1.0", "1.1", "2.0", "Latest", "_private", "beta", "latest"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private OciClient Client => fixture.Client;

    [Fact]
    public async Task TagsList_All_200SortedWithoutLink()
    {
        var repository = await TaggedRepositoryAsync();

        using var response = await Client.GetAsync($"/v2/{repository}/tags/list");

        await OciAssert.StatusAsync(HttpStatusCode.OK, response);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var (name, tags) = await ReadTagsAsync(response);
        Assert.Equal(repository, name);
        Assert.Equal(Tags.Order(StringComparer.Ordinal), tags);
        Assert.False(response.Headers.Contains("Link"));
    }

    [Fact]
    public async Task TagsList_RepositoryWithoutTags_200EmptyList()
    {
        var repository = OciServerFixture.NewRepository();
        await Client.PushBlobAsync(repository, OciContent.RandomBytes(10));

        using var response = await Client.GetAsync($"/v2/{repository}/tags/list");

        await OciAssert.StatusAsync(HttpStatusCode.OK, response);
        Assert.Equal($$"""{"name":"{{repository}}","tags":[]}""", await response.Content.ReadAsStringAsync(Ct));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task TagsList_FollowingLinks_VisitsEveryTagOnceInOrder(int n)
    {
        var repository = await TaggedRepositoryAsync();
        var seen = new List<string>();
        string? next = $"/v2/{repository}/tags/list?n={n}";
        var pages = 0;

        while (next is not null)
        {
            using var response = await Client.GetAsync(next);
            await OciAssert.StatusAsync(HttpStatusCode.OK, response);
            var (_, tags) = await ReadTagsAsync(response);
            next = NextLink(response);

            // A page is full unless it is the last one.
            Assert.True(tags.Count == n || (next is null && tags.Count <= n), $"page of {tags.Count} with n={n}");
            seen.AddRange(tags);
            Assert.InRange(++pages, 1, Tags.Length + 1);
        }

        Assert.Equal(Tags.Order(StringComparer.Ordinal), seen);
    }

    [Fact]
    public async Task TagsList_NAndLast_PageAfterLastWithLink()
    {
        var repository = await TaggedRepositoryAsync();

        using var response = await Client.GetAsync($"/v2/{repository}/tags/list?n=2&last=1.1");

        var (_, tags) = await ReadTagsAsync(response);
        Assert.Equal(["2.0", "Latest"], tags);
        Assert.Equal($"</v2/{repository}/tags/list?n=2&last=Latest>; rel=\"next\"", OciAssert.Header(response, "Link"));
    }

    [Fact]
    public async Task TagsList_LastWithoutN_EverythingAfterLast()
    {
        var repository = await TaggedRepositoryAsync();

        using var response = await Client.GetAsync($"/v2/{repository}/tags/list?last=beta");

        var (_, tags) = await ReadTagsAsync(response);
        Assert.Equal(["latest"], tags);
        Assert.False(response.Headers.Contains("Link"));
    }

    [Fact]
    public async Task TagsList_NZero_EmptyListWithoutLink()
    {
        var repository = await TaggedRepositoryAsync();

        using var response = await Client.GetAsync($"/v2/{repository}/tags/list?n=0");

        await OciAssert.StatusAsync(HttpStatusCode.OK, response);
        Assert.Empty((await ReadTagsAsync(response)).Tags);
        Assert.False(response.Headers.Contains("Link"));
    }

    [Fact]
    public async Task TagsList_NLargerThanCount_AllWithoutLink()
    {
        var repository = await TaggedRepositoryAsync();

        using var response = await Client.GetAsync($"/v2/{repository}/tags/list?n={Tags.Length}");

        Assert.Equal(Tags.Length, (await ReadTagsAsync(response)).Tags.Count);
        Assert.False(response.Headers.Contains("Link"));
    }

    [Theory]
    [InlineData("2147483648")]
    [InlineData("9223372036854775807")]
    public async Task TagsList_HugeN_200Capped(string n)
    {
        var repository = await TaggedRepositoryAsync();

        using var response = await Client.GetAsync($"/v2/{repository}/tags/list?n={n}");

        await OciAssert.StatusAsync(HttpStatusCode.OK, response);
        Assert.Equal(Tags.Length, (await ReadTagsAsync(response)).Tags.Count);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("abc")]
    [InlineData("1.5")]
    [InlineData("")]
    [InlineData("99999999999999999999999999")]
    [InlineData("%00")]
    public async Task TagsList_BadN_400(string n)
    {
        var repository = await TaggedRepositoryAsync();

        using var response = await Client.GetAsync($"/v2/{repository}/tags/list?n={n}");

        // docker/distribution's code for this; the OCI list has none that fits.
        await OciAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "PAGINATION_NUMBER_INVALID");
    }

    [Fact]
    public async Task TagsList_LastPastTheEnd_EmptyList()
    {
        var repository = await TaggedRepositoryAsync();

        using var response = await Client.GetAsync($"/v2/{repository}/tags/list?n=5&last=zzz");

        await OciAssert.StatusAsync(HttpStatusCode.OK, response);
        Assert.Empty((await ReadTagsAsync(response)).Tags);
        Assert.False(response.Headers.Contains("Link"));
    }

    [Fact]
    public async Task Catalog_FollowingLinks_ListsEveryRepositoryOnceInOrder()
    {
        // A server of its own: the catalog is registry-wide.
        await using var server = await BerthTestServer.StartAsync(cancellationToken: Ct);
        using var client = await OciClient.CreateAsync(server);
        string[] repositories = ["alpha", "beta/one", "beta/two", "gamma", "team/app"];
        var ecr = new EcrRequests(server.BaseAddress, server.AccessKeyId, server.SecretAccessKey);
        using var http = new HttpClient();
        foreach (var name in repositories.Reverse())
        {
            using var created = await http.SendAsync(ecr.Create("CreateRepository", $$"""{"repositoryName":"{{name}}"}"""), Ct);
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        }

        using (var all = await client.GetAsync("/v2/_catalog"))
        {
            await OciAssert.StatusAsync(HttpStatusCode.OK, all);
            Assert.Equal("""{"repositories":["alpha","beta/one","beta/two","gamma","team/app"]}""", await all.Content.ReadAsStringAsync(Ct));
            Assert.False(all.Headers.Contains("Link"));
        }

        var seen = new List<string>();
        string? next = "/v2/_catalog?n=2";
        var links = new List<string>();
        while (next is not null)
        {
            using var response = await client.GetAsync(next);
            await OciAssert.StatusAsync(HttpStatusCode.OK, response);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
            seen.AddRange(json.RootElement.GetProperty("repositories").EnumerateArray().Select(r => r.GetString()!));
            next = NextLink(response);
            if (next is not null)
            {
                links.Add(next);
            }
        }

        Assert.Equal(repositories, seen);
        Assert.Equal(["/v2/_catalog?n=2&last=beta%2Fone", "/v2/_catalog?n=2&last=gamma"], links);

        using var zero = await client.GetAsync("/v2/_catalog?n=0");
        Assert.Equal("""{"repositories":[]}""", await zero.Content.ReadAsStringAsync(Ct));
        Assert.False(zero.Headers.Contains("Link"));
        using var bad = await client.GetAsync("/v2/_catalog?n=-3");
        await OciAssert.ErrorAsync(bad, HttpStatusCode.BadRequest, "PAGINATION_NUMBER_INVALID");
    }

    // A repository holding one manifest under every tag in Tags.
    private async Task<string> TaggedRepositoryAsync()
    {
        var repository = OciServerFixture.NewRepository();
        var image = await Client.PushImageAsync(repository, Tags[0]);
        foreach (var tag in Tags.Skip(1))
        {
            using var put = await Client.PutManifestAsync(repository, tag, image.Content, OciContent.OciManifest);
            await OciAssert.StatusAsync(HttpStatusCode.Created, put);
        }

        return repository;
    }

    private static async Task<(string Name, List<string> Tags)> ReadTagsAsync(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        return (json.RootElement.GetProperty("name").GetString()!, [.. json.RootElement.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!)]);
    }

    // RFC 5988: <url>; rel="next".
    private static string? NextLink(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Link", out var values))
        {
            return null;
        }

        var match = LinkPattern().Match(Assert.Single(values));
        Assert.True(match.Success, $"malformed Link: {string.Join(",", values)}");
        return match.Groups["url"].Value;
    }

    [GeneratedRegex("""^<(?<url>[^>]+)>;\s*rel="next"$""")]
    private static partial Regex LinkPattern();
}
