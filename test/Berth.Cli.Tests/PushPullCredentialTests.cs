using System.Text;
using System.Text.Json.Nodes;
using Berth.Protocol.Tokens;
using Berth.Testing;

namespace Berth.Cli.Tests;

/// <summary>Where <c>berth push/pull</c> get credentials (podman's auth files and credential helpers, here
/// <c>docker-credential-berth</c>) and the errors that name the fix.</summary>
public sealed class PushPullCredentialTests : IDisposable
{
    private readonly TempDirectory _home = TempDirectory.Create("berth-pushcred-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string BerthDll => Path.Combine(AppContext.BaseDirectory, "berth.dll");

    public void Dispose() => _home.Dispose();

    [Fact]
    public async Task CredHelpersAndNoLogin_PushAndPullGoThroughDockerCredentialBerth_WhichMintsOnce()
    {
        await using var server = await BerthTestServer.StartAsync(o => o with { Registry = o.Registry with { CreateOnPush = true } }, cancellationToken: Ct);
        var bin = _home.Combine("bin");
        var authFile = _home.Combine("auth.json");
        var environment = new Dictionary<string, string?>(server.AwsEnvironment(_home.Path))
        {
            ["PATH"] = bin + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH"),
            ["XDG_CONFIG_HOME"] = _home.Combine("config"),
            ["XDG_CACHE_HOME"] = _home.Combine("cache"),
            ["DOCKER_CONFIG"] = _home.Combine("docker"),
            ["REGISTRY_AUTH_FILE"] = authFile,
        };
        var cli = new CliRunner(environment);
        var install = await cli.RunAsync(
            ["credential-helper", "install", "--registry", server.Host, "--endpoint-url", server.EndpointUrl, "--region", "us-east-1",
                "--profile", BerthTestServer.DataDirectoryProfile, "--bin-dir", bin],
            cancellationToken: Ct);
        Assert.True(install.ExitCode == 0, install.ToString());
        var layout = new OciLayoutBuilder(_home.Combine("src"));
        var image = await layout.AddImageAsync("linux/amd64", [100_000], seed: 41, Ct);
        layout.Tag(image, "v1");

        // The real binary, as a user runs it: podman's rules find the credHelpers entry and run the shim on PATH.
        var push = await ProcessRunner.RunAsync("dotnet", [BerthDll, "push", "--tls-verify=false", $"oci:{layout.Directory}:v1", $"{server.Host}/helped/app:v1"], environment, cancellationToken: Ct);
        var pull = await ProcessRunner.RunAsync("dotnet", [BerthDll, "pull", "--tls-verify=false", $"{server.Host}/helped/app:v1", $"oci:{_home.Combine("back")}:v1"], environment, cancellationToken: Ct);

        Assert.True(push.ExitCode == 0, push.ToString());
        Assert.Equal(image.Digest, push.StandardOutput.Trim());
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Equal(OciLayoutBuilder.HashBlobs(layout.Directory), OciLayoutBuilder.HashBlobs(_home.Combine("back")));
        Assert.Equal(1, server.Logs.Requests().Count(r => r.Operation == "GetAuthorizationToken" && r.Status == 200));
        Assert.DoesNotContain("\"auth\"", await File.ReadAllTextAsync(authFile, Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnExpiredLogin_FailsBeforeAnyTransfer_NamingAuthRefreshAndLogin()
    {
        var expired = new TokenEnvelope("cGF5bG9hZA==", "AQ==", "2", "DATA_KEY", DateTimeOffset.UtcNow.AddMinutes(-3).ToUnixTimeSeconds()).ToPassword();
        var authFile = _home.Combine("auth.json");
        var auths = new JsonObject { ["127.0.0.1:1"] = new JsonObject { ["auth"] = Convert.ToBase64String(Encoding.UTF8.GetBytes("AWS:" + expired)) } };
        await File.WriteAllTextAsync(authFile, new JsonObject { ["auths"] = auths }.ToJsonString(), Ct);
        var layout = new OciLayoutBuilder(_home.Combine("src"));
        layout.Tag(await layout.AddImageAsync("linux/amd64", [10], seed: 42, Ct), "v1");

        var push = await Cli(authFile).RunAsync(["push", "--tls-verify=false", $"oci:{layout.Directory}:v1", "127.0.0.1:1/team/app:v1"], cancellationToken: Ct);

        Assert.Equal(1, push.ExitCode);
        Assert.Matches(@"^Error: the login for 127\.0\.0\.1:1 expired at .+; run 'berth auth refresh 127\.0\.0\.1:1' or 'berth login 127\.0\.0\.1:1'\n$", push.Error.ReplaceLineEndings("\n"));
        Assert.DoesNotContain(expired, push.Error, StringComparison.Ordinal);
        Assert.Empty(push.Output);
    }

    [Fact]
    public async Task AnUnreachableRegistry_IsOneLineNamingTheAddress()
    {
        var pull = await Cli(_home.Combine("none.json")).RunAsync(["pull", "--tls-verify=false", "127.0.0.1:1/team/app:v1", $"oci:{_home.Combine("out")}"], cancellationToken: Ct);

        Assert.Equal(1, pull.ExitCode);
        Assert.StartsWith("Error: cannot reach registry 127.0.0.1:1 (", pull.Error, StringComparison.Ordinal);
        Assert.Contains("onnection refused", pull.Error, StringComparison.Ordinal);
        Assert.Single(pull.Error.TrimEnd().Split('\n'));
        Assert.False(Directory.Exists(_home.Combine("out")));
    }

    private CliRunner Cli(string authFile) => new(new Dictionary<string, string?>
    {
        ["REGISTRY_AUTH_FILE"] = authFile,
        ["HOME"] = _home.Path,
        ["DOCKER_CONFIG"] = _home.Combine("docker"),
    });
}
