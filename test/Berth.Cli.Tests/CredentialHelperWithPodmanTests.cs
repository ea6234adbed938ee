using System.Text.Json;
using Berth.Protocol.Tokens;
using Berth.Testing;
using Berth.Testing.Podman;

namespace Berth.Cli.Tests;

/// <summary>
/// Acceptance for issue 6, parts 1 and 2, with the real podman: <c>credHelpers</c> and no <c>podman login</c> at all,
/// tokens minted, cached and renewed by <c>docker-credential-berth</c>; <c>berth auth list/refresh</c> on a login podman made.
/// </summary>
public sealed class CredentialHelperWithPodmanTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Podman_CredHelpersAndNoLogin_PushesAndPullsThroughHelper_CachesTheTokenAndRenewsItAfterExpiry()
    {
        await using var server = await BerthTestServer.StartAsync(
            o => o with { Registry = o.Registry with { CreateOnPush = true, TokenTtl = TimeSpan.FromSeconds(20) } }, cancellationToken: Ct);
        using var sandbox = await PodmanSandbox.CreateAsync(Ct);
        var bin = InstallHelper(sandbox, server, out var cli);
        var install = await cli.RunAsync(
            ["credential-helper", "install", "--registry", server.Host, "--endpoint-url", server.EndpointUrl, "--region", "us-east-1",
                "--profile", BerthTestServer.DataDirectoryProfile, "--bin-dir", bin, "--authfile", sandbox.AuthFile],
            cancellationToken: Ct);
        Assert.True(install.ExitCode == 0, install.ToString());
        var image = await sandbox.BuildImageAsync($"{server.Host}/team/app:v1", seed: 61, layers: 2, cancellationToken: Ct);

        var firstPush = await PushAsync(sandbox, image.Tag);
        var mintedAfterFirst = GetAuthorizationTokenCalls(server);
        var cacheFile = Assert.Single(Directory.GetFiles(CacheDirectory(sandbox)));
        var cachedExpiry = DateTimeOffset.FromUnixTimeSeconds(JsonDocument.Parse(File.ReadAllBytes(cacheFile)).RootElement.GetProperty("expiresAt").GetInt64());
        var secondPush = await PushAsync(sandbox, image.Tag);
        var mintedAfterSecond = GetAuthorizationTokenCalls(server);

        // Wait out the token's lifetime: the server now refuses it, so only a renewed token can push.
        await WaitUntilAsync(cachedExpiry + TimeSpan.FromSeconds(1.5));
        var tag = await sandbox.RunPodmanAsync(["tag", image.Tag, $"{server.Host}/team/app:v2"], cancellationToken: Ct);
        var thirdPush = await PushAsync(sandbox, $"{server.Host}/team/app:v2");
        var mintedAfterThird = GetAuthorizationTokenCalls(server);
        var rmi = await sandbox.RunPodmanAsync(["rmi", "-a", "-f"], cancellationToken: Ct);
        var pull = await sandbox.RunPodmanAsync(["pull", "--tls-verify=false", $"{server.Host}/team/app:v2"], timeout: TimeSpan.FromMinutes(3), cancellationToken: Ct);

        Assert.True(firstPush.ExitCode == 0, firstPush.ToString());
        Assert.Equal(1, mintedAfterFirst);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(cacheFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(CacheDirectory(sandbox)));
        Assert.True(secondPush.ExitCode == 0, secondPush.ToString());
        Assert.Equal(1, mintedAfterSecond);
        Assert.True(tag.ExitCode == 0, tag.ToString());
        Assert.True(thirdPush.ExitCode == 0, thirdPush.ToString());
        Assert.Equal(2, mintedAfterThird);
        Assert.True(rmi.ExitCode == 0, rmi.ToString());
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Equal(image.Id, await sandbox.ImageIdAsync($"{server.Host}/team/app:v2", Ct));

        // No podman login happened: the auth file holds the credHelpers entry and no stored secret.
        Assert.Null(sandbox.ReadStoredAuth(server.Host));
        Assert.Contains("\"credHelpers\"", await File.ReadAllTextAsync(sandbox.AuthFile, Ct), StringComparison.Ordinal);
        Assert.Contains(server.Logs.Requests(), r => r.Method == "PUT" && r.Path == "/v2/team/app/manifests/v2" && r.Status == 201);
    }

    [Fact]
    public async Task AuthList_LoginMadeByPodman_ShowsExpiryThenExpired_AuthRefreshRenewsIt_PodmanPullsAgain()
    {
        await using var server = await BerthTestServer.StartAsync(
            o => o with { Registry = o.Registry with { CreateOnPush = true, TokenTtl = TimeSpan.FromSeconds(8) } }, cancellationToken: Ct);
        using var sandbox = await PodmanSandbox.CreateAsync(Ct);
        InstallHelper(sandbox, server, out var cli);
        var password = await server.IssuePasswordAsync(Ct);
        var issuedExpiry = TokenEnvelope.TryParse(password)!.ExpiresAt;
        await sandbox.LoginAsync(server.Host, password + "\n", Ct);
        var image = await sandbox.BuildImageAsync($"{server.Host}/team/app:v1", seed: 62, layers: 1, cancellationToken: Ct);
        var push = await PushAsync(sandbox, image.Tag);
        Assert.True(push.ExitCode == 0, push.ToString());

        var listFresh = await cli.RunAsync(["auth", "list", "--json", "--authfile", sandbox.AuthFile], cancellationToken: Ct);
        await WaitUntilAsync(issuedExpiry + TimeSpan.FromSeconds(1.5));
        var listExpired = await cli.RunAsync(["auth", "list", "--authfile", sandbox.AuthFile], cancellationToken: Ct);
        var listExpiredJson = await cli.RunAsync(["auth", "list", "--json", "--authfile", sandbox.AuthFile], cancellationToken: Ct);
        await sandbox.RunPodmanAsync(["rmi", "-a", "-f"], cancellationToken: Ct);
        var pullExpired = await sandbox.RunPodmanAsync(["pull", "--tls-verify=false", image.Tag], cancellationToken: Ct);
        var refresh = await cli.RunAsync(
            ["auth", "refresh", server.Host, "--authfile", sandbox.AuthFile, "--endpoint-url", server.EndpointUrl, "--region", "us-east-1", "--profile", BerthTestServer.DataDirectoryProfile],
            cancellationToken: Ct);
        var listRenewed = await cli.RunAsync(["auth", "list", "--json", "--authfile", sandbox.AuthFile], cancellationToken: Ct);
        var pullRenewed = await sandbox.RunPodmanAsync(["pull", "--tls-verify=false", image.Tag], timeout: TimeSpan.FromMinutes(3), cancellationToken: Ct);

        var fresh = SingleLogin(listFresh, server.Host);
        Assert.Equal("ecrToken", fresh.GetProperty("kind").GetString());
        Assert.Equal("AWS", fresh.GetProperty("user").GetString());
        Assert.Equal(sandbox.AuthFile, fresh.GetProperty("source").GetString());
        Assert.Equal(issuedExpiry.ToUnixTimeSeconds(), fresh.GetProperty("expiration").GetInt64());
        Assert.False(fresh.GetProperty("expired").GetBoolean());
        Assert.InRange(fresh.GetProperty("secondsRemaining").GetInt64(), 1, 8);

        Assert.True(listExpired.ExitCode == 0, listExpired.ToString());
        Assert.Contains("EXPIRED", listExpired.Output, StringComparison.Ordinal);
        Assert.Contains($"berth auth refresh {server.Host}", listExpired.Output, StringComparison.Ordinal);
        Assert.True(SingleLogin(listExpiredJson, server.Host).GetProperty("expired").GetBoolean());
        Assert.NotEqual(0, pullExpired.ExitCode);

        Assert.True(refresh.ExitCode == 0, refresh.ToString());
        Assert.Contains($"Renewed {server.Host} in {sandbox.AuthFile}", refresh.Output, StringComparison.Ordinal);
        var renewed = SingleLogin(listRenewed, server.Host);
        Assert.False(renewed.GetProperty("expired").GetBoolean());
        Assert.True(renewed.GetProperty("expiration").GetInt64() > issuedExpiry.ToUnixTimeSeconds());
        Assert.True(pullRenewed.ExitCode == 0, pullRenewed.ToString());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(sandbox.AuthFile));
    }

    // The helper shim goes into the sandbox's bin directory, on the PATH podman sees; the helper reads the server's
    // bootstrap credentials and nothing of the machine's AWS setup.
    private static string InstallHelper(PodmanSandbox sandbox, BerthTestServer server, out CliRunner cli)
    {
        var bin = Path.Combine(sandbox.WorkDirectory, "bin");
        var path = bin + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        var environment = new Dictionary<string, string?>(server.AwsEnvironment(sandbox.Environment["HOME"]!))
        {
            ["PATH"] = path,
            ["XDG_CONFIG_HOME"] = sandbox.Environment["XDG_CONFIG_HOME"],
            ["XDG_CACHE_HOME"] = sandbox.Environment["XDG_CACHE_HOME"],
            ["AWS_PROFILE"] = null,
        };
        foreach (var (name, value) in environment)
        {
            sandbox.SetEnvironment(name, value);
        }

        cli = new CliRunner(environment);
        return bin;
    }

    private static string CacheDirectory(PodmanSandbox sandbox) => Path.Combine(sandbox.Environment["XDG_CACHE_HOME"]!, "berth", "tokens");

    private static Task<ProcessResult> PushAsync(PodmanSandbox sandbox, string tag) =>
        sandbox.RunPodmanAsync(["push", "--tls-verify=false", tag], timeout: TimeSpan.FromMinutes(3), cancellationToken: Ct);

    private static int GetAuthorizationTokenCalls(BerthTestServer server) =>
        server.Logs.Requests().Count(r => r.Operation == "GetAuthorizationToken" && r.Status == 200);

    private static async Task WaitUntilAsync(DateTimeOffset moment)
    {
        var wait = moment - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, Ct);
        }
    }

    private static JsonElement SingleLogin(CliResult list, string registry)
    {
        Assert.True(list.ExitCode == 0, list.ToString());
        var logins = JsonDocument.Parse(list.Output).RootElement.GetProperty("logins").EnumerateArray()
            .Where(l => l.GetProperty("registry").GetString() == registry).ToList();
        return Assert.Single(logins);
    }
}
