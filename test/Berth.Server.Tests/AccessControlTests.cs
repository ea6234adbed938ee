using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Berth.Testing;
using Berth.Testing.Podman;

namespace Berth.Server.Tests;

/// <summary>
/// Access control end to end with the real clients: users, keys and policies made with <c>aws iam</c>, enforced on
/// podman's pulls and pushes, <c>aws ecr</c> listings and the catalog, and revoked while podman holds a token.
/// </summary>
public sealed class AccessControlTests : IDisposable
{
    private const string Account = "000000000000";
    private const string PullTeam = """
        {"Version":"2012-10-17","Statement":[
          {"Effect":"Allow","Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer","ecr:DescribeRepositories"],"Resource":"arn:aws:ecr:*:*:repository/team/*"},
          {"Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"}]}
        """;

    private readonly TempDirectory _home = TempDirectory.Create("berth-home-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PullOnlyUser_PullsTeamImages_CannotPush_SeesOnlyTeamRepositories_AndAnExplicitDenyWins()
    {
        await using var server = await BerthTestServer.StartAsync(cancellationToken: Ct);
        using var sandbox = await PodmanSandbox.CreateAsync(Ct);
        var admin = new AwsCli(server, _home.Path);
        foreach (var name in new[] { "team/lib", "other/app" })
        {
            await admin.CreateRepositoryAsync(name, Ct);
        }

        var image = await sandbox.PushNewImageAsync(server, admin, "team/app", 11, Ct);
        var key = await admin.CreateUserWithKeyAsync("ci", Ct);
        (await admin.IamJsonAsync(["put-user-policy", "--user-name", "ci", "--policy-name", "pull-team", "--policy-document", PullTeam], Ct))?.Dispose();
        var ci = admin.As(key);

        // Arrange: podman now holds ci's token, and nothing of the image locally.
        await sandbox.LoginAsync(server.Host, await ci.GetLoginPasswordOutputAsync(Ct), Ct);
        await sandbox.RemoveAllImagesAsync(Ct);

        var pull = await sandbox.RunPodmanAsync(["pull", "--tls-verify=false", image.Tag], timeout: TimeSpan.FromMinutes(5), cancellationToken: Ct);
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Equal(image.Id, await sandbox.ImageIdAsync(image.Tag, Ct));

        var pushed = await sandbox.BuildImageAsync($"{server.Host}/team/app:v2", seed: 12, cancellationToken: Ct);
        var push = await sandbox.RunPodmanAsync(["push", "--tls-verify=false", pushed.Tag], timeout: TimeSpan.FromMinutes(5), cancellationToken: Ct);
        Assert.Equal(125, push.ExitCode);
        Assert.Contains(
            $"denied: User: arn:aws:iam::{Account}:user/ci is not authorized to perform: ecr:InitiateLayerUpload on resource: arn:aws:ecr:us-east-1:{Account}:repository/team/app",
            push.StandardError,
            StringComparison.Ordinal);

        using var described = await ci.EcrJsonAsync(["describe-repositories"], Ct);
        Assert.Equal(["team/app", "team/lib"], described.RootElement.GetProperty("repositories").EnumerateArray().Select(r => r.GetProperty("repositoryName").GetString()));
        var other = await ci.EcrAsync(["describe-repositories", "--repository-names", "other/app"], Ct);
        Assert.Contains(
            $"An error occurred (AccessDeniedException) when calling the DescribeRepositories operation: User: arn:aws:iam::{Account}:user/ci is not authorized to perform: ecr:DescribeRepositories on resource: arn:aws:ecr:us-east-1:{Account}:repository/other/app",
            other.StandardError,
            StringComparison.Ordinal);
        Assert.Equal(["team/app", "team/lib"], await CatalogAsync(server, sandbox));

        // An explicit Deny on one repository overrides the wildcard Allow, at once.
        (await admin.IamJsonAsync(["put-user-policy", "--user-name", "ci", "--policy-name", "not-app", "--policy-document",
            """{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"ecr:*","Resource":"arn:aws:ecr:us-east-1:000000000000:repository/team/app"}}"""], Ct))?.Dispose();
        await sandbox.RemoveAllImagesAsync(Ct);

        var denied = await sandbox.RunPodmanAsync(["pull", "--tls-verify=false", image.Tag], timeout: TimeSpan.FromMinutes(5), cancellationToken: Ct);
        Assert.Equal(125, denied.ExitCode);
        Assert.Contains($"denied: User: arn:aws:iam::{Account}:user/ci is not authorized to perform: ecr:BatchGetImage", denied.StandardError, StringComparison.Ordinal);
        Assert.Equal(["team/lib"], await CatalogAsync(server, sandbox));
        Assert.DoesNotContain(server.Logs.Requests(), r => r.Status >= 500);
    }

    [Fact]
    public async Task RepositoryPolicy_GrantsAnotherUserPull_WithoutAnyIdentityPolicy()
    {
        await using var server = await BerthTestServer.StartAsync(cancellationToken: Ct);
        using var sandbox = await PodmanSandbox.CreateAsync(Ct);
        var admin = new AwsCli(server, _home.Path);
        var image = await sandbox.PushNewImageAsync(server, admin, "shared/app", 21, Ct);
        var key = await admin.CreateUserWithKeyAsync("partner", Ct);
        var partner = admin.As(key);

        // Without any policy the partner can log in (a token only authenticates) but not pull.
        await sandbox.LoginAsync(server.Host, await partner.GetLoginPasswordOutputAsync(Ct), Ct);
        await sandbox.RemoveAllImagesAsync(Ct);
        var before = await sandbox.RunPodmanAsync(["pull", "--tls-verify=false", image.Tag], timeout: TimeSpan.FromMinutes(5), cancellationToken: Ct);
        Assert.Equal(125, before.ExitCode);
        Assert.Contains($"denied: User: arn:aws:iam::{Account}:user/partner is not authorized to perform: ecr:BatchGetImage", before.StandardError, StringComparison.Ordinal);

        var policy = $$$"""
            {"Version":"2012-10-17","Statement":[{"Sid":"PartnerPull","Effect":"Allow",
              "Principal":{"AWS":["arn:aws:iam::{{{Account}}}:user/partner"]},
              "Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}]}
            """;
        using var set = await admin.EcrJsonAsync(["set-repository-policy", "--repository-name", "shared/app", "--policy-text", policy], Ct);
        Assert.Equal("shared/app", set.RootElement.GetProperty("repositoryName").GetString());
        using var got = await admin.EcrJsonAsync(["get-repository-policy", "--repository-name", "shared/app"], Ct);
        Assert.Equal(policy, got.RootElement.GetProperty("policyText").GetString());
        using var userPolicies = await admin.IamJsonAsync(["list-user-policies", "--user-name", "partner"], Ct);
        Assert.Empty(userPolicies!.RootElement.GetProperty("PolicyNames").EnumerateArray());

        var after = await sandbox.RunPodmanAsync(["pull", "--tls-verify=false", image.Tag], timeout: TimeSpan.FromMinutes(5), cancellationToken: Ct);
        Assert.True(after.ExitCode == 0, after.ToString());
        Assert.Equal(image.Id, await sandbox.ImageIdAsync(image.Tag, Ct));

        // The partner may not read or change the policy that grants it.
        var read = await partner.EcrAsync(["get-repository-policy", "--repository-name", "shared/app"], Ct);
        Assert.Contains("(AccessDeniedException)", read.StandardError, StringComparison.Ordinal);
        using var deleted = await admin.EcrJsonAsync(["delete-repository-policy", "--repository-name", "shared/app"], Ct);
        var missing = await admin.EcrAsync(["get-repository-policy", "--repository-name", "shared/app"], Ct);
        Assert.Contains(
            $"An error occurred (RepositoryPolicyNotFoundException) when calling the GetRepositoryPolicy operation: Repository policy does not exist for the repository with name 'shared/app' in the registry with id '{Account}'",
            missing.StandardError,
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{not json", "Invalid repository policy provided")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ecr:BatchGetImage"}}""", "Missing required field Principal")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"ecr:Pull"}}""", "'ecr:Pull' matches no ecr action")]
    public async Task SetRepositoryPolicy_BadDocument_IsInvalidParameterWithTheReason(string policy, string reason)
    {
        await using var server = await BerthTestServer.StartAsync(cancellationToken: Ct);
        var admin = new AwsCli(server, _home.Path);
        await admin.CreateRepositoryAsync("team/app", Ct);

        var result = await admin.EcrAsync(["set-repository-policy", "--repository-name", "team/app", "--policy-text", policy], Ct);
        var missing = await admin.EcrAsync(["set-repository-policy", "--repository-name", "team/none", "--policy-text", """{"Statement":{"Effect":"Allow","Principal":"*","Action":"*"}}"""], Ct);

        Assert.Equal(255, result.ExitCode);
        Assert.Contains("An error occurred (InvalidParameterException) when calling the SetRepositoryPolicy operation: ", result.StandardError, StringComparison.Ordinal);
        Assert.Contains(reason, result.StandardError, StringComparison.Ordinal);
        Assert.Contains("(RepositoryNotFoundException)", missing.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Logs.Requests(), r => r.Status >= 500);
    }

    [Fact]
    public async Task DeleteAccessKey_TokenInPodmansAuthFileStopsWorkingWithin5Seconds_AndPullSaysWhy()
    {
        await using var server = await BerthTestServer.StartAsync(cancellationToken: Ct);
        using var sandbox = await PodmanSandbox.CreateAsync(Ct);
        var admin = new AwsCli(server, _home.Path);
        var image = await sandbox.PushNewImageAsync(server, admin, "team/app", 31, Ct);
        var key = await admin.CreateUserWithKeyAsync("leaky", Ct);
        (await admin.IamJsonAsync(["put-user-policy", "--user-name", "leaky", "--policy-name", "pull-team", "--policy-document", PullTeam], Ct))?.Dispose();
        await sandbox.LoginAsync(server.Host, await admin.As(key).GetLoginPasswordOutputAsync(Ct), Ct);
        var stored = sandbox.ReadStoredAuth(server.Host)!;
        Assert.Equal(HttpStatusCode.OK, await RegistryProbe.ManifestStatusAsync(server, stored, "team/app", "v1", Ct));

        (await admin.IamJsonAsync(["delete-access-key", "--user-name", "leaky", "--access-key-id", key.AccessKeyId], Ct))?.Dispose();
        await sandbox.AssertTokenRevokedAsync(server, image, stored, "the access key that issued it was deleted or deactivated", Ct);
    }

    [Fact]
    public async Task DeactivateAccessKeyOrDeleteUser_RefusesTheirTokensWithin5Seconds()
    {
        await using var server = await BerthTestServer.StartAsync(cancellationToken: Ct);
        var admin = new AwsCli(server, _home.Path);
        await admin.CreateRepositoryAsync("team/app", Ct);
        var key = await admin.CreateUserWithKeyAsync("temp", Ct);
        (await admin.IamJsonAsync(["put-user-policy", "--user-name", "temp", "--policy-name", "pull-team", "--policy-document", PullTeam], Ct))?.Dispose();
        var temp = admin.As(key);
        var auth = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("AWS:" + (await temp.GetLoginPasswordOutputAsync(Ct)).Trim()));
        Assert.Equal(HttpStatusCode.NotFound, await RegistryProbe.ManifestStatusAsync(server, auth, "team/app", "v1", Ct));

        (await admin.IamJsonAsync(["update-access-key", "--user-name", "temp", "--access-key-id", key.AccessKeyId, "--status", "Inactive"], Ct))?.Dispose();
        Assert.True(await RegistryProbe.TimeUntilForbiddenAsync(server, auth, "team/app", "v1", Ct) < TimeSpan.FromSeconds(5));

        (await admin.IamJsonAsync(["update-access-key", "--user-name", "temp", "--access-key-id", key.AccessKeyId, "--status", "Active"], Ct))?.Dispose();
        var fresh = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("AWS:" + (await temp.GetLoginPasswordOutputAsync(Ct)).Trim()));
        Assert.Equal(HttpStatusCode.NotFound, await RegistryProbe.ManifestStatusAsync(server, fresh, "team/app", "v1", Ct));
        (await admin.IamJsonAsync(["delete-access-key", "--user-name", "temp", "--access-key-id", key.AccessKeyId], Ct))?.Dispose();
        (await admin.IamJsonAsync(["delete-user-policy", "--user-name", "temp", "--policy-name", "pull-team"], Ct))?.Dispose();
        (await admin.IamJsonAsync(["delete-user", "--user-name", "temp"], Ct))?.Dispose();
        Assert.True(await RegistryProbe.TimeUntilForbiddenAsync(server, fresh, "team/app", "v1", Ct) < TimeSpan.FromSeconds(5));
    }

    public void Dispose() => _home.Dispose();

    private static async Task<string[]> CatalogAsync(BerthTestServer server, PodmanSandbox sandbox)
    {
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v2/_catalog");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", sandbox.ReadStoredAuth(server.Host));
        using var response = await http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        return [.. json.RootElement.GetProperty("repositories").EnumerateArray().Select(r => r.GetString()!)];
    }
}
