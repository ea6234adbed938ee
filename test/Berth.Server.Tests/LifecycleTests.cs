using System.Net;
using System.Text.Json;
using Berth.Server.Tests.Conformance;
using Berth.Testing;

namespace Berth.Server.Tests;

/// <summary>Lifecycle policies through the real aws CLI: storage, validation, preview and enforcement.</summary>
public sealed class LifecycleTests : IDisposable
{
    private const string Repository = "team/lifecycle";

    // A tagPrefixList rule, an untagged age rule and a catch-all count rule (the issue's acceptance policy).
    private const string Policy = """
        {"rules":[
          {"rulePriority":1,"description":"keep two releases","selection":{"tagStatus":"tagged","tagPrefixList":["release"],"countType":"imageCountMoreThan","countNumber":2},"action":{"type":"expire"}},
          {"rulePriority":2,"description":"untagged for a week","selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":7},"action":{"type":"expire"}},
          {"rulePriority":3,"description":"at most three others","selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":3},"action":{"type":"expire"}}
        ]}
        """;

    private readonly TempDirectory _home = TempDirectory.Create("berth-home-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _home.Dispose();

    [Fact]
    public async Task PutGetDelete_RoundTripThePolicyTextAndFailLikeEcr()
    {
        await using var server = await BerthTestServer.StartAsync(cancellationToken: Ct);
        var aws = new AwsCli(server, _home.Path);
        await aws.CreateRepositoryAsync(Repository, Ct);

        var missing = await aws.EcrAsync(["get-lifecycle-policy", "--repository-name", Repository], Ct);
        Assert.Equal(255, missing.ExitCode);
        Assert.Contains("LifecyclePolicyNotFoundException", missing.StandardError, StringComparison.Ordinal);
        Assert.Contains($"Lifecycle policy does not exist for the repository with name '{Repository}' in the registry with id '000000000000'", missing.StandardError, StringComparison.Ordinal);

        using (var put = await aws.EcrJsonAsync(["put-lifecycle-policy", "--repository-name", Repository, "--lifecycle-policy-text", Policy], Ct))
        {
            Assert.Equal("000000000000", put.RootElement.GetProperty("registryId").GetString());
            Assert.Equal(Repository, put.RootElement.GetProperty("repositoryName").GetString());
            Assert.Equal(Policy, put.RootElement.GetProperty("lifecyclePolicyText").GetString());
        }

        using (var get = await aws.EcrJsonAsync(["get-lifecycle-policy", "--repository-name", Repository], Ct))
        {
            Assert.Equal(Policy, get.RootElement.GetProperty("lifecyclePolicyText").GetString());
            Assert.False(get.RootElement.TryGetProperty("lastEvaluatedAt", out _));
        }

        using (var start = await aws.EcrJsonAsync(["start-lifecycle-policy-preview", "--repository-name", Repository], Ct))
        {
            Assert.Equal(Policy, start.RootElement.GetProperty("lifecyclePolicyText").GetString());
        }

        using (var preview = await aws.EcrJsonAsync(["get-lifecycle-policy-preview", "--repository-name", Repository], Ct))
        {
            Assert.Equal(0, preview.RootElement.GetProperty("summary").GetProperty("expiringImageTotalCount").GetInt32());
            Assert.Empty(preview.RootElement.GetProperty("previewResults").EnumerateArray());
        }

        using (var deleted = await aws.EcrJsonAsync(["delete-lifecycle-policy", "--repository-name", Repository], Ct))
        {
            Assert.Equal(Policy, deleted.RootElement.GetProperty("lifecyclePolicyText").GetString());
        }

        var again = await aws.EcrAsync(["delete-lifecycle-policy", "--repository-name", Repository], Ct);
        Assert.Contains("LifecyclePolicyNotFoundException", again.StandardError, StringComparison.Ordinal);

        var noRepository = await aws.EcrAsync(["put-lifecycle-policy", "--repository-name", "team/none", "--lifecycle-policy-text", Policy], Ct);
        Assert.Contains("RepositoryNotFoundException", noRepository.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countUnit":"days","countNumber":1},"action":{"type":"expire"}}]}""", "countUnit is not allowed with countType 'imageCountMoreThan'")]
    [InlineData("""{"rules":[{"rulePriority":1,"selection":{"tagStatus":"tagged","countType":"sinceImagePushed","countUnit":"days","countNumber":1},"action":{"type":"expire"}}]}""", "needs exactly one of a non-empty tagPrefixList or tagPatternList")]
    [InlineData("""{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}""", "not valid JSON")]
    [InlineData("""{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}},{"rulePriority":2,"selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}""", "'any' must have the highest rulePriority")]
    public async Task InvalidPolicy_IsInvalidParameterExceptionAndNothingIsStored(string text, string reason)
    {
        await using var server = await BerthTestServer.StartAsync(cancellationToken: Ct);
        var aws = new AwsCli(server, _home.Path);
        await aws.CreateRepositoryAsync(Repository, Ct);

        var put = await aws.EcrAsync(["put-lifecycle-policy", "--repository-name", Repository, "--lifecycle-policy-text", text], Ct);

        Assert.Equal(255, put.ExitCode);
        Assert.Contains("(InvalidParameterException) when calling the PutLifecyclePolicy operation: Invalid parameter at 'LifecyclePolicyText'", put.StandardError, StringComparison.Ordinal);
        Assert.Contains(reason, put.StandardError, StringComparison.Ordinal);
        var get = await aws.EcrAsync(["get-lifecycle-policy", "--repository-name", Repository], Ct);
        Assert.Contains("LifecyclePolicyNotFoundException", get.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PreviewAndEnforcement_ExpireExactlyWhatEcrsSemanticsSay()
    {
        await using var server = await BerthTestServer.StartAsync(o => o with { LifecycleInterval = TimeSpan.FromSeconds(1) }, cancellationToken: Ct);
        var aws = new AwsCli(server, _home.Path);
        await aws.CreateRepositoryAsync(Repository, Ct);
        var pushed = await PushHistoryAsync(server);

        // Rule 1 keeps release-2/3 and expires release-1; rule 2 expires the 8-day-old untagged image; rule 3 may
        // only take images no earlier rule selects, and the three dev images are the newest. The preview runs on
        // policy text before it is stored, so the background job cannot act first.
        using (var start = await aws.EcrJsonAsync(["start-lifecycle-policy-preview", "--repository-name", Repository, "--lifecycle-policy-text", Policy], Ct))
        {
            Assert.Equal("IN_PROGRESS", start.RootElement.GetProperty("status").GetString());
            Assert.Equal(Policy, start.RootElement.GetProperty("lifecyclePolicyText").GetString());
        }

        using (var preview = await aws.EcrJsonAsync(["get-lifecycle-policy-preview", "--repository-name", Repository], Ct))
        {
            var root = preview.RootElement;
            Assert.Equal("COMPLETE", root.GetProperty("status").GetString());
            Assert.Equal(2, root.GetProperty("summary").GetProperty("expiringImageTotalCount").GetInt32());
            var results = root.GetProperty("previewResults").EnumerateArray().ToList();
            Assert.Equal([pushed["release-1"], pushed["untagged-old"]], results.Select(r => r.GetProperty("imageDigest").GetString()));
            Assert.Equal([1, 2], results.Select(r => r.GetProperty("appliedRulePriority").GetInt32()));
            Assert.Equal(["release-1"], results[0].GetProperty("imageTags").EnumerateArray().Select(t => t.GetString()));
            Assert.Empty(results[1].GetProperty("imageTags").EnumerateArray());
            Assert.All(results, r => Assert.Equal("EXPIRE", r.GetProperty("action").GetProperty("type").GetString()));
            Assert.Equal(JsonValueKind.Number, results[0].GetProperty("imagePushedAt").ValueKind);
        }

        // The preview changed nothing; once the policy is stored, the background job (every second here) expires
        // the same two images.
        using var client = await OciClient.CreateAsync(server);
        Assert.Equal(HttpStatusCode.OK, (await client.HeadAsync($"/v2/{Repository}/manifests/{pushed["release-1"]}")).StatusCode);
        await aws.EcrJsonAsync(["put-lifecycle-policy", "--repository-name", Repository, "--lifecycle-policy-text", Policy], Ct);
        await WaitUntilAsync(async () => (await client.HeadAsync($"/v2/{Repository}/manifests/{pushed["release-1"]}")).StatusCode == HttpStatusCode.NotFound);
        await WaitUntilAsync(async () => (await client.HeadAsync($"/v2/{Repository}/manifests/{pushed["untagged-old"]}")).StatusCode == HttpStatusCode.NotFound);

        foreach (var (name, digest) in pushed.Where(p => p.Key is not ("release-1" or "untagged-old")))
        {
            Assert.True((await client.HeadAsync($"/v2/{Repository}/manifests/{digest}")).StatusCode == HttpStatusCode.OK, $"{name} must survive");
        }

        Assert.Equal(HttpStatusCode.NotFound, (await client.HeadAsync($"/v2/{Repository}/manifests/release-1")).StatusCode);
        Assert.Contains(server.Logs.Lines, line => line.Contains("audit lifecycle.expire", StringComparison.Ordinal) && line.Contains(pushed["release-1"], StringComparison.Ordinal));
        using var get = await aws.EcrJsonAsync(["get-lifecycle-policy", "--repository-name", Repository], Ct);
        Assert.Equal(JsonValueKind.Number, get.RootElement.GetProperty("lastEvaluatedAt").ValueKind);
    }

    [Fact]
    public async Task Preview_WithoutStart_IsPreviewNotFound()
    {
        await using var server = await BerthTestServer.StartAsync(cancellationToken: Ct);
        var aws = new AwsCli(server, _home.Path);
        await aws.CreateRepositoryAsync(Repository, Ct);

        var get = await aws.EcrAsync(["get-lifecycle-policy-preview", "--repository-name", Repository], Ct);

        Assert.Equal(255, get.ExitCode);
        Assert.Contains("LifecyclePolicyPreviewNotFoundException", get.StandardError, StringComparison.Ordinal);
    }

    // Pushes eight images at controlled times, 30 to 3 days ago, and brings the clock back to now for the aws CLI.
    private static async Task<Dictionary<string, string>> PushHistoryAsync(BerthTestServer server)
    {
        (string Name, int DaysAgo, bool Untag)[] history =
        [
            ("release-1", 30, false), ("release-2", 20, false), ("release-3", 10, false), ("untagged-old", 8, true),
            ("untagged-new", 6, true), ("dev-1", 5, false), ("dev-2", 4, false), ("dev-3", 3, false),
        ];
        var pushed = new Dictionary<string, string>(StringComparer.Ordinal);
        var offset = TimeSpan.Zero;
        foreach (var (name, daysAgo, untag) in history)
        {
            var target = TimeSpan.FromDays(-daysAgo);
            server.Time.Advance(target - offset);
            offset = target;

            // A token issued "then", so it is valid at the shifted time.
            using var client = await OciClient.CreateAsync(server);
            pushed[name] = (await client.PushImageAsync(Repository, name)).Digest;
            if (untag)
            {
                Assert.Equal(HttpStatusCode.Accepted, (await client.DeleteAsync($"/v2/{Repository}/manifests/{name}")).StatusCode);
            }
        }

        server.Time.Advance(-offset);
        return pushed;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the lifecycle job did not expire the image within 20 s");
            await Task.Delay(200, Ct);
        }
    }
}
