using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Berth.Testing;

namespace Berth.Server.Tests;

/// <summary>Pagination, limits and wire types of the image listings, with the aws CLI's auto-pagination over 2,500 images.</summary>
public sealed class EcrPaginationTests : IDisposable
{
    private const int ImageCount = 2500;

    private readonly TempDirectory _home = TempDirectory.Create("berth-home-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AwsEcrListImages_2500Images_AutoPaginatesThroughEveryImageWithOpaqueTokens()
    {
        await using var server = await BerthTestServer.StartAsync(cancellationToken: Ct);
        var aws = new AwsCli(server, _home.Path);
        await aws.CreateRepositoryAsync("big/app", Ct);
        var seeding = Stopwatch.StartNew();
        var digests = await new RegistryContent(server).SeedImagesAsync("big/app", ImageCount);
        TestContext.Current.TestOutputHelper?.WriteLine($"seeded {ImageCount} images in {seeding.Elapsed.TotalSeconds:F1} s");
        var mark = server.Logs.Requests().Count;

        using var all = await aws.EcrJsonAsync(["list-images", "--repository-name", "big/app"], Ct);
        var calls = server.Logs.Requests().Skip(mark).Count(r => r.Operation == "ListImages");
        mark = server.Logs.Requests().Count;
        using var bigPages = await aws.EcrJsonAsync(["list-images", "--repository-name", "big/app", "--page-size", "1000"], Ct);
        var bigPageCalls = server.Logs.Requests().Skip(mark).Count(r => r.Operation == "ListImages");
        var tooBig = await aws.EcrAsync(["list-images", "--repository-name", "big/app", "--page-size", "1001"], Ct);
        using var untagged = await aws.EcrJsonAsync(["list-images", "--repository-name", "big/app", "--filter", "tagStatus=UNTAGGED"], Ct);
        using var firstItems = await aws.EcrJsonAsync(["describe-images", "--repository-name", "big/app", "--max-items", "150", "--page-size", "40"], Ct);

        var ids = all.RootElement.GetProperty("imageIds").EnumerateArray()
            .Select(i => (i.GetProperty("imageDigest").GetString()!, i.GetProperty("imageTag").GetString()!)).ToList();
        Assert.Equal(ImageCount, ids.Count);
        Assert.Equal(digests.ToHashSet(), ids.Select(i => i.Item1).ToHashSet());
        Assert.Equal(Enumerable.Range(0, ImageCount).Select(i => $"t{i:D5}").ToHashSet(), ids.Select(i => i.Item2).ToHashSet());
        Assert.Equal(ImageCount / 100, calls);
        Assert.Equal(ImageCount, bigPages.RootElement.GetProperty("imageIds").GetArrayLength());
        Assert.Equal(3, bigPageCalls);
        Assert.Equal(255, tooBig.ExitCode);
        Assert.Contains(
            "An error occurred (InvalidParameterException) when calling the ListImages operation: Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value less than or equal to 1000 and greater than or equal to 1'",
            tooBig.StandardError,
            StringComparison.Ordinal);
        Assert.Empty(untagged.RootElement.GetProperty("imageIds").EnumerateArray());
        Assert.Equal(150, firstItems.RootElement.GetProperty("imageDetails").GetArrayLength());
        Assert.True(firstItems.RootElement.TryGetProperty("NextToken", out _));
    }

    [Fact]
    public async Task ListAndDescribeImages_RawWire_TokensOpaqueTimestampsNumbersBadTokenRefused()
    {
        await using var server = await BerthTestServer.StartAsync(cancellationToken: Ct);
        await new AwsCli(server, _home.Path).CreateRepositoryAsync("wire/app", Ct);
        var digests = await new RegistryContent(server).SeedImagesAsync("wire/app", 5);
        var requests = new EcrRequests(server.BaseAddress, server.AccessKeyId, server.SecretAccessKey);
        using var http = new HttpClient();

        using var page1 = await JsonAsync(http, requests.Create("DescribeImages", """{"repositoryName":"wire/app","maxResults":2}"""));
        var token = page1.RootElement.GetProperty("nextToken").GetString()!;
        using var page2 = await JsonAsync(http, requests.Create("DescribeImages", $$"""{"repositoryName":"wire/app","maxResults":2,"nextToken":"{{token}}"}"""));
        using var listed = await JsonAsync(http, requests.Create("ListImages", """{"repositoryName":"wire/app","maxResults":5}"""));
        using var badToken = await http.SendAsync(requests.Create("ListImages", """{"repositoryName":"wire/app","nextToken":"bm9wZQ=="}"""), Ct);
        using var zero = await http.SendAsync(requests.Create("DescribeImages", """{"repositoryName":"wire/app","maxResults":0}"""), Ct);

        var first = page1.RootElement.GetProperty("imageDetails").EnumerateArray().ToList();
        Assert.Equal(2, first.Count);
        Assert.Equal(JsonValueKind.Number, first[0].GetProperty("imagePushedAt").ValueKind);
        Assert.DoesNotContain("sha256", token, StringComparison.Ordinal);
        var second = page2.RootElement.GetProperty("imageDetails").EnumerateArray().Select(d => d.GetProperty("imageDigest").GetString()).ToList();
        Assert.Equal(2, second.Count);
        Assert.Empty(second.Intersect(first.Select(d => d.GetProperty("imageDigest").GetString())));
        Assert.Equal(5, listed.RootElement.GetProperty("imageIds").GetArrayLength());
        Assert.False(listed.RootElement.TryGetProperty("nextToken", out _));
        Assert.Equal(digests.Order(), listed.RootElement.GetProperty("imageIds").EnumerateArray().Select(i => i.GetProperty("imageDigest").GetString()!).Order());
        await AssertErrorAsync(badToken, "InvalidParameterException", "Invalid parameter at 'nextToken': the token is not one this registry issued");
        await AssertErrorAsync(zero, "InvalidParameterException", "Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value less than or equal to 1000 and greater than or equal to 1'");
    }

    public void Dispose() => _home.Dispose();

    private static async Task<JsonDocument> JsonAsync(HttpClient http, HttpRequestMessage request)
    {
        using (request)
        {
            using var response = await http.SendAsync(request, Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            return JsonDocument.Parse(body);
        }
    }

    private static async Task AssertErrorAsync(HttpResponseMessage response, string type, string message)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(type, json.RootElement.GetProperty("__type").GetString());
        Assert.Equal(message, json.RootElement.GetProperty("message").GetString());
    }
}
