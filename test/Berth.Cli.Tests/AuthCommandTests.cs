using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Client.CredentialHelper;
using Berth.Protocol.Tokens;
using Berth.Testing;

namespace Berth.Cli.Tests;

/// <summary><c>berth auth list</c>, <c>berth auth refresh</c> and <c>berth credential-helper install</c> on private files.</summary>
public sealed class AuthCommandTests(BerthServerFixture fixture) : IClassFixture<BerthServerFixture>, IDisposable
{
    private readonly TempDirectory _home = TempDirectory.Create("berth-auth-home-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private BerthTestServer Server => fixture.Server;

    private string RuntimeAuthFile => Path.Combine(_home.Path, "run", "containers", "auth.json");

    private string ConfigAuthFile => Path.Combine(_home.Path, ".config", "containers", "auth.json");

    private string DockerConfig => Path.Combine(_home.Path, ".docker", "config.json");

    [Fact]
    public async Task List_ReadsEveryFileInPodmansOrder_WithExpiryForEcrTokens_AndFlagsExpiredOnes()
    {
        var now = DateTimeOffset.UtcNow;
        WriteFile(RuntimeAuthFile, $$$$"""{"auths":{"fresh.example":{"auth":"{{{{Auth(Token(now.AddHours(11)))}}}}"},"plain.example":{"auth":"{{{{Auth("secret", "bob")}}}}"}}}""");
        WriteFile(ConfigAuthFile, $$$$"""{"auths":{"old.example":{"auth":"{{{{Auth(Token(now.AddMinutes(-5)))}}}}"}}}""");
        WriteFile(DockerConfig, """{"auths":{"helped.example":{}},"credHelpers":{"helped.example":"berth"},"credsStore":"desktop"}""");

        var text = await RunAsync(["auth", "list"]);
        var json = await RunAsync(["auth", "list", "--json"]);

        Assert.True(text.ExitCode == 0, text.ToString());
        var lines = text.Output.Split('\n');
        Assert.StartsWith("REGISTRY", lines[0], StringComparison.Ordinal);
        Assert.Equal(["fresh.example", "plain.example", "old.example", "helped.example", "helped.example"], lines.Skip(1).TakeWhile(l => l.Length > 0).Select(l => l.Split(' ')[0]));
        Assert.Contains("expires in 10h 59m", text.Output, StringComparison.Ordinal);
        Assert.Contains("EXPIRED 5m ago", text.Output, StringComparison.Ordinal);
        Assert.Contains("1 login has expired: renew with 'berth auth refresh old.example' (or log in again with 'berth login').", text.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", text.Output, StringComparison.Ordinal);

        var logins = JsonDocument.Parse(json.Output).RootElement.GetProperty("logins").EnumerateArray().ToList();
        Assert.Equal(["ecrToken", "password", "ecrToken", "credentialHelper", "empty"], logins.Select(l => l.GetProperty("kind").GetString()));
        Assert.Equal([RuntimeAuthFile, RuntimeAuthFile, ConfigAuthFile, DockerConfig, DockerConfig], logins.Select(l => l.GetProperty("source").GetString()));
        Assert.False(logins[0].GetProperty("expired").GetBoolean());
        Assert.True(logins[2].GetProperty("expired").GetBoolean());
        Assert.Equal(0, logins[2].GetProperty("secondsRemaining").GetInt64());
        Assert.Equal("bob", logins[1].GetProperty("user").GetString());
        Assert.Equal("docker-credential-berth", logins[3].GetProperty("credentialHelper").GetString());
    }

    [Fact]
    public async Task List_NoFiles_SaysWhereItLooked()
    {
        var result = await RunAsync(["auth", "list"]);

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith($"No stored logins in {RuntimeAuthFile}, {ConfigAuthFile}, {DockerConfig}", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refresh_All_RenewsExpiredAndExpiringEcrLoginsInPlace_AndLeavesTheRestAlone()
    {
        var now = DateTimeOffset.UtcNow;
        var freshToken = Token(now.AddHours(11));
        WriteFile(RuntimeAuthFile, $$$$"""{"auths":{"{{{{Server.Host}}}}":{"auth":"{{{{Auth(Token(now.AddMinutes(-1)))}}}}","email":"kept@example"},"other.example":{"auth":"{{{{Auth(freshToken)}}}}"},"plain.example":{"auth":"{{{{Auth("pw", "bob")}}}}"}},"unknownMember":1}""");
        HelperConfig.SetRegistry(Path.Combine(_home.Path, ".config", "berth", "config.json"), Server.Host, new RegistryMintSettings(Server.EndpointUrl, "us-east-1", BerthTestServer.DataDirectoryProfile));

        var result = await RunAsync(["auth", "refresh", "--all"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"Renewed {Server.Host} in {RuntimeAuthFile}: expires in 11h 59m", result.Output, StringComparison.Ordinal);
        var root = JsonNode.Parse(await File.ReadAllTextAsync(RuntimeAuthFile, Ct))!;
        var renewed = BasicCredentials.TryDecode(root["auths"]![Server.Host]!["auth"]!.GetValue<string>())!;
        Assert.Equal("AWS", renewed.UserName);
        Assert.True(TokenEnvelope.TryParse(renewed.Password)!.ExpiresAt > now.AddHours(11));
        Assert.Equal("kept@example", root["auths"]![Server.Host]!["email"]!.GetValue<string>());
        Assert.Equal(Auth(freshToken), root["auths"]!["other.example"]!["auth"]!.GetValue<string>());
        Assert.Equal(1, root["unknownMember"]!.GetValue<int>());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(RuntimeAuthFile));
    }

    [Fact]
    public async Task Refresh_Failures_AreOneLineWithTheWayOut()
    {
        var now = DateTimeOffset.UtcNow;
        var expired = Auth(Token(now.AddMinutes(-1)));
        WriteFile(RuntimeAuthFile, $$$$"""{"auths":{"nowhere.example":{"auth":"{{{{expired}}}}"},"down.example":{"auth":"{{{{expired}}}}"},"plain.example":{"auth":"{{{{Auth("pw", "bob")}}}}"}}}""");
        var before = await File.ReadAllTextAsync(RuntimeAuthFile, Ct);

        var notLoggedIn = await RunAsync(["auth", "refresh", "missing.example"]);
        var notEcr = await RunAsync(["auth", "refresh", "plain.example"]);
        var unknownEndpoint = await RunAsync(["auth", "refresh", "nowhere.example"]);
        var down = await RunAsync(["auth", "refresh", "down.example", "--endpoint-url", "http://127.0.0.1:9", "--region", "us-east-1", "--profile", BerthTestServer.DataDirectoryProfile]);
        var neither = await RunAsync(["auth", "refresh"]);

        Assert.Equal((1, "Error: not logged into missing.example: log in with 'berth login missing.example' (or podman login)\n"), (notLoggedIn.ExitCode, notLoggedIn.Error));
        Assert.Equal(1, notEcr.ExitCode);
        Assert.Contains("is not an ECR-style token", notEcr.Error, StringComparison.Ordinal);
        Assert.Contains("berth login plain.example", notEcr.Error, StringComparison.Ordinal);
        Assert.Equal(1, unknownEndpoint.ExitCode);
        Assert.Contains("pass --endpoint-url URL", unknownEndpoint.Error, StringComparison.Ordinal);
        Assert.Equal(1, down.ExitCode);
        Assert.Contains("Could not connect to the endpoint URL: \"http://127.0.0.1:9/\"", down.Error, StringComparison.Ordinal);
        Assert.Equal(1, neither.ExitCode);
        Assert.All([notLoggedIn, notEcr, unknownEndpoint, down, neither], r => Assert.Single(r.Error.TrimEnd('\n').Split('\n')));
        Assert.All([notLoggedIn, notEcr, unknownEndpoint, down, neither], r => Assert.DoesNotContain("   at ", r.Error, StringComparison.Ordinal));
        Assert.Equal(before, await File.ReadAllTextAsync(RuntimeAuthFile, Ct));
    }

    [Fact]
    public async Task Refresh_RegistryServedByDockerCredentialBerth_RefillsTheHelpersCache()
    {
        WriteFile(RuntimeAuthFile, $"{{\"auths\":{{}},\"credHelpers\":{{\"{Server.Host}\":\"berth\"}}}}");
        HelperConfig.SetRegistry(Path.Combine(_home.Path, ".config", "berth", "config.json"), Server.Host, new RegistryMintSettings(Server.EndpointUrl, "us-east-1", BerthTestServer.DataDirectoryProfile));

        var refresh = await RunAsync(["auth", "refresh", Server.Host]);
        var list = await RunAsync(["auth", "list"]);

        Assert.True(refresh.ExitCode == 0, refresh.ToString());
        Assert.StartsWith($"Renewed the token docker-credential-berth serves for {Server.Host}: expires in 11h 59m", refresh.Output, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(Path.Combine(_home.Path, ".cache", "berth", "tokens")));
        Assert.Contains("credential helper docker-credential-berth, cached token expires in 11h 59m", list.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpiredStoredLogin_LoginAndTokenInspect_NameBerthAuthRefresh()
    {
        WriteFile(RuntimeAuthFile, $"{{\"auths\":{{\"{Server.Host}\":{{\"auth\":\"{Auth(Token(DateTimeOffset.UtcNow.AddMinutes(-2)))}\"}}}}}}");

        var login = await RunAsync(["login", "--tls-verify=false", Server.Host]);
        var inspect = await RunAsync(["token", "inspect", Server.Host]);

        Assert.Equal(125, login.ExitCode);
        Assert.Contains($"Error: the stored login for {Server.Host} expired at ", login.Error, StringComparison.Ordinal);
        Assert.Contains($"renew it with 'berth auth refresh {Server.Host}'", login.Error, StringComparison.Ordinal);
        Assert.Single(login.Error.TrimEnd('\n').Split('\n'));
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        Assert.Contains($"Renew:", inspect.Output, StringComparison.Ordinal);
        Assert.Contains($"berth auth refresh {Server.Host} (or berth login {Server.Host})", inspect.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Install_WritesAnExecutableShim_AndCredHelpersIntoBothFiles_KeepingEverythingElse()
    {
        WriteFile(RuntimeAuthFile, """{"auths":{"a.example":{"auth":"dTpw"}}}""");
        WriteFile(DockerConfig, """{"auths":{"b.example":{"auth":"dTpw"}},"credsStore":"desktop","HttpHeaders":{"X-Meta":"1"}}""");
        var bin = Path.Combine(_home.Path, "bin");
        const string Ecr = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";

        var ecr = await RunAsync(["credential-helper", "install", "--registry", Ecr, "--bin-dir", bin]);
        var berth = await RunAsync(["credential-helper", "install", "--registry", "registry.example:5000", "--endpoint-url", "http://registry.example:5000", "--region", "us-east-1", "--bin-dir", bin]);

        Assert.True(ecr.ExitCode == 0, ecr.ToString());
        Assert.True(berth.ExitCode == 0, berth.ToString());
        Assert.Contains($"warning: {bin} is not on PATH", berth.Error, StringComparison.Ordinal);
        var shim = Path.Combine(bin, DockerCredentialHelper.Name);
        Assert.True(File.GetUnixFileMode(shim).HasFlag(UnixFileMode.UserExecute | UnixFileMode.OtherExecute));
        Assert.StartsWith("#!/bin/sh\n", await File.ReadAllTextAsync(shim, Ct), StringComparison.Ordinal);
        Assert.Contains("docker-credential-berth \"$@\"\n", await File.ReadAllTextAsync(shim, Ct), StringComparison.Ordinal);

        foreach (var file in new[] { RuntimeAuthFile, DockerConfig })
        {
            var root = JsonNode.Parse(await File.ReadAllTextAsync(file, Ct))!;
            Assert.Equal("berth", root["credHelpers"]![Ecr]!.GetValue<string>());
            Assert.Equal("berth", root["credHelpers"]!["registry.example:5000"]!.GetValue<string>());
            Assert.Equal("dTpw", root["auths"]!.AsObject().Single().Value!["auth"]!.GetValue<string>());
        }

        var docker = JsonNode.Parse(await File.ReadAllTextAsync(DockerConfig, Ct))!;
        Assert.Equal("desktop", docker["credsStore"]!.GetValue<string>());
        Assert.Equal("1", docker["HttpHeaders"]!["X-Meta"]!.GetValue<string>());
        var config = HelperConfig.Load(Path.Combine(_home.Path, ".config", "berth", "config.json"));
        Assert.Null(config.For(Ecr));
        Assert.Equal(new RegistryMintSettings("http://registry.example:5000", "us-east-1"), config.For("registry.example:5000"));
    }

    [Fact]
    public async Task Install_RepositoryInsteadOfHost_FailsWithOneLine()
    {
        var result = await RunAsync(["credential-helper", "install", "--registry", "registry.example/team/app", "--bin-dir", Path.Combine(_home.Path, "bin")]);

        Assert.Equal((1, "Error: --registry takes a registry host (host[:port]), not a repository: registry.example/team/app\n"), (result.ExitCode, result.Error));
    }

    [Fact]
    public async Task Install_BadEndpointUrl_FailsWithOneLineAndWritesNothing()
    {
        var bin = Path.Combine(_home.Path, "bin");
        var result = await RunAsync(["credential-helper", "install", "--registry", "registry.example", "--endpoint-url", "not a url", "--bin-dir", bin]);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("Error: ", result.Error, StringComparison.Ordinal);
        Assert.Contains("not a url", result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.TrimEnd().Split('\n'));
        Assert.False(Directory.Exists(bin));
    }

    public void Dispose() => _home.Dispose();

    private Task<CliResult> RunAsync(string[] arguments)
    {
        Directory.CreateDirectory(Path.Combine(_home.Path, "run"));
        var environment = new Dictionary<string, string?>(Server.AwsEnvironment(_home.Path))
        {
            ["XDG_RUNTIME_DIR"] = Path.Combine(_home.Path, "run"),
            ["AWS_PROFILE"] = null,
            ["PATH"] = "/usr/bin:/bin",
        };
        return new CliRunner(environment).RunAsync(arguments, cancellationToken: Ct);
    }

    private static void WriteFile(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private static string Token(DateTimeOffset expiresAt) => new TokenEnvelope("cGF5bG9hZA==", "AQ==", "2", "DATA_KEY", expiresAt.ToUnixTimeSeconds()).ToPassword();

    private static string Auth(string password, string user = "AWS") => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));
}
