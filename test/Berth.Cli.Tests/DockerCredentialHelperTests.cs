using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Berth.Client.CredentialHelper;
using Berth.Protocol.Tokens;
using Berth.Testing;

namespace Berth.Cli.Tests;

/// <summary>The credential-helper protocol as <c>berth docker-credential-berth ACTION</c> speaks it (what the shim runs):
/// each verb, bad input, the exact not-found text, exit codes, minting, caching and renewal against a real server.</summary>
public sealed class DockerCredentialHelperTests(BerthServerFixture fixture) : IClassFixture<BerthServerFixture>, IDisposable
{
    private const string Helper = DockerCredentialHelper.Name;
    private readonly TempDirectory _home = TempDirectory.Create("berth-helper-home-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private BerthTestServer Server => fixture.Server;

    private string ConfigFile => Path.Combine(_home.Path, ".config", "berth", "config.json");

    private string CacheDirectory => Path.Combine(_home.Path, ".cache", "berth", "tokens");

    [Fact]
    public async Task Get_ConfiguredBerthHost_MintsThroughTheAwsChain_SecondGetIsServedFromTheCache()
    {
        Configure(Server.Host, Server.EndpointUrl);
        var before = MintCalls();

        var first = await RunAsync(["get"], Server.Host);
        var second = await RunAsync(["get"], Server.Host);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.EndsWith("}\n", first.Output, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(first.Output);
        Assert.Equal(["ServerURL", "Username", "Secret"], json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(Server.Host, json.RootElement.GetProperty("ServerURL").GetString());
        Assert.Equal("AWS", json.RootElement.GetProperty("Username").GetString());
        Assert.NotNull(TokenEnvelope.TryParse(json.RootElement.GetProperty("Secret").GetString()));
        Assert.Equal(first.Output, second.Output);
        Assert.Equal(1, MintCalls() - before);
        var cacheFile = Assert.Single(Directory.GetFiles(CacheDirectory));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(cacheFile));
        Assert.DoesNotContain(Server.AccessKeyId, cacheFile, StringComparison.Ordinal);
        Assert.DoesNotContain(Server.AccessKeyId, await File.ReadAllTextAsync(cacheFile, Ct), StringComparison.Ordinal);
        Assert.Equal("", first.Error);
    }

    [Fact]
    public async Task Get_CacheIsKeyedByRegistryAndProfile_NotByAccessKey()
    {
        // Rotating credentials (assumed roles, aws-vault) change the access key on every session: the cache must still hit.
        HelperConfig.SetRegistry(ConfigFile, Server.Host, new RegistryMintSettings(Server.EndpointUrl, "us-east-1"));
        var environment = Environment();
        environment["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(_home.Path, "none");
        environment["AWS_ACCESS_KEY_ID"] = Server.AccessKeyId;
        environment["AWS_SECRET_ACCESS_KEY"] = Server.SecretAccessKey;
        var before = MintCalls();
        var first = await new CliRunner(environment).RunAsync([Helper, "get"], Server.Host, Ct);
        environment["AWS_ACCESS_KEY_ID"] = "AKIAROTATEDKEY000000";
        environment["AWS_SECRET_ACCESS_KEY"] = "rotated-secret";

        var second = await new CliRunner(environment).RunAsync([Helper, "get"], Server.Host, Ct);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal(first.Output, second.Output);
        Assert.Equal(1, MintCalls() - before);
        Assert.Equal($"{Server.Host.Replace(":", "_3a", StringComparison.Ordinal)}@default.json", Path.GetFileName(Assert.Single(Directory.GetFiles(CacheDirectory))));
    }

    [Fact]
    public async Task Get_EcrHostName_NeedsNoConfiguration_RegionAndRegistryIdComeFromTheName()
    {
        const string Host = "000000000000.dkr.ecr.us-east-1.amazonaws.com";
        var environment = Environment();
        environment["AWS_ENDPOINT_URL_ECR"] = Server.EndpointUrl;
        environment["AWS_PROFILE"] = BerthTestServer.DataDirectoryProfile;

        var result = await new CliRunner(environment).RunAsync([Helper, "get"], Host, Ct);

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Output);
        Assert.Equal(Host, json.RootElement.GetProperty("ServerURL").GetString());
        Assert.NotNull(TokenEnvelope.TryParse(json.RootElement.GetProperty("Secret").GetString()));
    }

    [Fact]
    public async Task Get_BrokenConfigFile_FailsNamingTheFile_NotAsNotFound()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigFile)!);
        await File.WriteAllTextAsync(ConfigFile, "{\"registries\": [1, 2]}", Ct);

        var result = await RunAsync(["get"], Server.Host);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"{ConfigFile} is not a valid berth configuration", result.Output, StringComparison.Ordinal);
        Assert.Single(result.Output.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task Get_TokenPastItsRefreshShare_IsRenewed()
    {
        Configure(Server.Host, Server.EndpointUrl);
        var time = new ShiftableTimeProvider();
        var first = await RunAsync(["get"], Server.Host, time);
        var before = MintCalls();

        // 12 h tokens with the default refreshWhenRemaining 0.5: after 6 h 1 m the helper asks again. The server's
        // clock moves too, so the signature's date stays within its five-minute window.
        time.Advance(TimeSpan.FromHours(6.02));
        Server.Time.Advance(TimeSpan.FromHours(6.02));
        try
        {
            var renewed = await RunAsync(["get"], Server.Host, time);

            Assert.True(renewed.ExitCode == 0, renewed.ToString());
            Assert.Equal(1, MintCalls() - before);
            Assert.NotEqual(first.Output, renewed.Output);
        }
        finally
        {
            Server.Time.Advance(-TimeSpan.FromHours(6.02));
        }
    }

    [Fact]
    public async Task Get_UnknownHost_PrintsTheExactNotFoundTextOnStdout_AndTheCauseOnStderr()
    {
        var result = await RunAsync(["get"], "registry.example.com");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("credentials not found in native keychain\n", result.Output);
        Assert.StartsWith($"{Helper}: registry.example.com is not an Amazon ECR host name", result.Error, StringComparison.Ordinal);
        Assert.Contains("berth credential-helper install --registry registry.example.com", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_EndpointDown_RetriesThenFailsNamingTheAddress()
    {
        var endpoint = $"http://127.0.0.1:{ClosedPort()}";
        Configure("down.example:5000", endpoint);

        var result = await RunAsync(["get"], "down.example:5000");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("getting a token for down.example:5000: Could not connect to the endpoint URL: \"" + endpoint, result.Output, StringComparison.Ordinal);
        Assert.Single(result.Output.Trim().Split('\n'));
        Assert.DoesNotContain(" at ", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_EndpointDownButCachedTokenStillValid_ServesItWithAWarning()
    {
        var endpoint = $"http://127.0.0.1:{ClosedPort()}";
        Configure("flaky.example", endpoint);
        var now = DateTimeOffset.UtcNow;

        // Due for renewal (10 h of 12 h used) but still valid for 2 h.
        SeedCache("flaky.example", endpoint, "AWS:cached-password", now.AddHours(-10), now.AddHours(2));

        var result = await RunAsync(["get"], "flaky.example");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("{\"ServerURL\":\"flaky.example\",\"Username\":\"AWS\",\"Secret\":\"cached-password\"}\n", result.Output);
        Assert.Contains("warning: could not renew the token for flaky.example", result.Error, StringComparison.Ordinal);
        Assert.Contains(endpoint, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_EndpointDownAndCachedTokenExpired_Fails()
    {
        var endpoint = $"http://127.0.0.1:{ClosedPort()}";
        Configure("flaky.example", endpoint);
        var now = DateTimeOffset.UtcNow;
        SeedCache("flaky.example", endpoint, "AWS:old", now.AddHours(-13), now.AddHours(-1));

        var result = await RunAsync(["get"], "flaky.example");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("getting a token for flaky.example: Could not connect to the endpoint URL", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Store_ThenGet_ReturnsTheStoredCredentials_InA0600File_AndListShowsThem()
    {
        var store = await RunAsync(["store"], "{\"ServerURL\":\"https://other.example/v1/\",\"Username\":\"ci\",\"Secret\":\"s3cr+t/=\"}\n");
        var get = await RunAsync(["get"], "other.example");
        var list = await RunAsync(["list"], "unused");

        Assert.Equal(0, store.ExitCode);
        Assert.Equal("", store.Output);
        Assert.Equal(0, get.ExitCode);
        Assert.Equal("{\"ServerURL\":\"other.example\",\"Username\":\"ci\",\"Secret\":\"s3cr+t/=\"}\n", get.Output);
        Assert.Equal("{\"https://other.example/v1/\":\"ci\"}\n", list.Output);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_home.Path, ".config", "berth", "credentials.json")));
    }

    [Fact]
    public async Task Store_BadInput_FailsWithTheProtocolsMessages()
    {
        var noUrl = await RunAsync(["store"], "{\"Username\":\"u\",\"Secret\":\"s\"}");
        var noUser = await RunAsync(["store"], "{\"ServerURL\":\"h\",\"Secret\":\"s\"}");
        var notJson = await RunAsync(["store"], "{not json secret-value");

        Assert.Equal((1, "no credentials server URL\n"), (noUrl.ExitCode, noUrl.Output));
        Assert.Equal((1, "no credentials username\n"), (noUser.ExitCode, noUser.Output));
        Assert.Equal(1, notJson.ExitCode);
        Assert.StartsWith("invalid credentials JSON on stdin", notJson.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-value", notJson.Output + notJson.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Erase_RemovesStoredAndCached_ThenReportsNotFound()
    {
        Configure(Server.Host, Server.EndpointUrl);
        Assert.Equal(0, (await RunAsync(["get"], Server.Host)).ExitCode);
        Assert.Equal(0, (await RunAsync(["store"], $"{{\"ServerURL\":\"{Server.Host}\",\"Username\":\"u\",\"Secret\":\"s\"}}")).ExitCode);

        var erase = await RunAsync(["erase"], Server.Host);
        var again = await RunAsync(["erase"], Server.Host);

        Assert.Equal((0, ""), (erase.ExitCode, erase.Output));
        Assert.Empty(Directory.GetFiles(CacheDirectory));
        Assert.Equal((1, "credentials not found in native keychain\n"), (again.ExitCode, again.Output));
    }

    [Fact]
    public async Task Get_StoredEcrTokenThatExpired_AndNoWayToMint_IsNotFound_WithTheExpiryOnStderr()
    {
        var expired = new TokenEnvelope("cGF5bG9hZA==", "AQ==", "2", "DATA_KEY", DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds()).ToPassword();
        await RunAsync(["store"], $"{{\"ServerURL\":\"old.example\",\"Username\":\"AWS\",\"Secret\":\"{expired}\"}}");

        var get = await RunAsync(["get"], "old.example");

        Assert.Equal((1, "credentials not found in native keychain\n"), (get.ExitCode, get.Output));
        Assert.Contains("the login stored for old.example expired at", get.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new string[0], 1, "Usage: docker-credential-berth <store|get|erase|list|version>\n")]
    [InlineData(new[] { "get", "extra" }, 1, "Usage: docker-credential-berth <store|get|erase|list|version>\n")]
    [InlineData(new[] { "--help" }, 0, "Usage: docker-credential-berth <store|get|erase|list|version>\n")]
    [InlineData(new[] { "-h" }, 0, "Usage: docker-credential-berth <store|get|erase|list|version>\n")]
    [InlineData(new[] { "frobnicate" }, 1, "docker-credential-berth: unknown action: frobnicate\n")]
    public async Task Arguments_AreHandledLikeDockerCredentialHelpersServe(string[] arguments, int exitCode, string output)
    {
        var result = await RunAsync(arguments, "");

        Assert.Equal((exitCode, output), (result.ExitCode, result.Output));
    }

    [Theory]
    [InlineData("version")]
    [InlineData("--version")]
    [InlineData("-v")]
    public async Task Version_PrintsNamePackageVersion(string argument)
    {
        var result = await RunAsync([argument], "");

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"^docker-credential-berth \(berth\) \d+\.\d+\.\d+\n$", result.Output);
    }

    [Fact]
    public async Task Get_EmptyInput_IsNoCredentialsServerUrl()
    {
        var result = await RunAsync(["get"], "  \n");

        Assert.Equal((1, "no credentials server URL\n"), (result.ExitCode, result.Output));
    }

    [Fact]
    public async Task List_NeedsNoNetwork_AndShowsConfiguredAndCachedRegistries()
    {
        Configure("nowhere.example:5000", $"http://127.0.0.1:{ClosedPort()}");

        var list = await RunAsync(["list"], "unused");

        Assert.Equal((0, "{\"nowhere.example:5000\":\"AWS\"}\n"), (list.ExitCode, list.Output));
    }

    [Fact]
    public async Task InstalledShim_RunsAsItsOwnProgram_WithProtocolExitCodes()
    {
        var bin = Path.Combine(_home.Path, "bin");
        var install = await new CliRunner(Environment()).RunAsync(["credential-helper", "install", "--bin-dir", bin], cancellationToken: Ct);
        Assert.True(install.ExitCode == 0, install.ToString());
        var shim = Path.Combine(bin, Helper);

        var version = await ProcessRunner.RunAsync(shim, ["version"], Environment(), cancellationToken: Ct);
        var notFound = await ProcessRunner.RunAsync(shim, ["get"], Environment(), standardInput: "unknown.example", cancellationToken: Ct);

        Assert.True(File.GetUnixFileMode(shim).HasFlag(UnixFileMode.UserExecute));
        Assert.True(version.ExitCode == 0, version.ToString());
        Assert.StartsWith("docker-credential-berth (berth) ", version.StandardOutput, StringComparison.Ordinal);
        Assert.Equal((1, "credentials not found in native keychain\n"), (notFound.ExitCode, notFound.StandardOutput));
        Assert.Contains("unknown.example", notFound.StandardError, StringComparison.Ordinal);
    }

    public void Dispose() => _home.Dispose();

    private void Configure(string registry, string endpoint) =>
        HelperConfig.SetRegistry(ConfigFile, registry, new RegistryMintSettings(endpoint, "us-east-1", BerthTestServer.DataDirectoryProfile));

    private void SeedCache(string registry, string endpoint, string userAndPassword, DateTimeOffset requestedAt, DateTimeOffset expiresAt) =>
        new TokenCache(CacheDirectory).Write(new CachedToken(
            registry, BerthTestServer.DataDirectoryProfile, new Uri(endpoint).ToString(), Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(userAndPassword)),
            requestedAt.ToUnixTimeSeconds(), expiresAt.ToUnixTimeSeconds(), null));

    private Dictionary<string, string?> Environment() => new(Server.AwsEnvironment(_home.Path))
    {
        ["XDG_CONFIG_HOME"] = null,
        ["XDG_CACHE_HOME"] = null,
        ["AWS_PROFILE"] = null,
    };

    private Task<CliResult> RunAsync(string[] arguments, string input, TimeProvider? time = null) =>
        new CliRunner(Environment(), time).RunAsync([Helper, .. arguments], input, Ct);

    private int MintCalls() => Server.Logs.Requests().Count(r => r.Operation == "GetAuthorizationToken" && r.Status == 200);

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
