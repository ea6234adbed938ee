using System.Text;
using System.Text.Json.Nodes;
using Berth.Protocol.Tokens;
using Berth.Testing;

namespace Berth.Cli.Tests;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LoginCommandTests(BerthServerFixture fixture) : IClassFixture<BerthServerFixture>, IDisposable
{
    private readonly TempDirectory _dir = TempDirectory.Create();

    private BerthTestServer Server => fixture.Server;

    private string AuthFile => _dir.Combine("containers", "auth.json");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Login_PasswordStdin_VerifiesAndStoresBase64OfAwsColonPassword()
    {
        var ct = TestContext.Current.CancellationToken;
        var password = await Server.IssuePasswordAsync(ct);

        var result = await Cli().RunAsync(Login("-u", "AWS", "--password-stdin"), password + "\n", ct);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("Login Succeeded!\n", result.Output.ReplaceLineEndings("\n"));
        Assert.Equal("", result.Error);
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes("AWS:" + password)), StoredAuth(Server.Host));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(AuthFile));
    }

    [Fact]
    public async Task Login_PasswordStdinOverSeveralCrLfLines_ConcatenatesThemLikePodman()
    {
        var ct = TestContext.Current.CancellationToken;
        var password = await Server.IssuePasswordAsync(ct);
        var split = password[..40] + "\r\n" + password[40..] + "\r\n\r\n";

        var result = await Cli().RunAsync(Login("-u", "AWS", "--password-stdin"), split, ct);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(new BasicCredentials("AWS", password), BasicCredentials.TryDecode(StoredAuth(Server.Host)));
    }

    [Fact]
    public async Task Login_Verbose_PrintsTheFileUsedWithTwoSpaces()
    {
        var ct = TestContext.Current.CancellationToken;

        var result = await Cli().RunAsync(Login("-v", "-u", "AWS", "--password-stdin"), await Server.IssuePasswordAsync(ct), ct);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"Used:  {AuthFile}\nLogin Succeeded!\n", result.Output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Login_PasswordFlag_WarnsLikeDockerAndSucceeds()
    {
        var ct = TestContext.Current.CancellationToken;

        var result = await Cli().RunAsync(Login("-u", "AWS", "-p", await Server.IssuePasswordAsync(ct)), cancellationToken: ct);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n", result.Error.ReplaceLineEndings("\n"));
        Assert.NotNull(StoredAuth(Server.Host));
    }

    [Fact]
    public async Task Login_TamperedPassword_Exit125InvalidUsernamePasswordAndNothingWritten()
    {
        var ct = TestContext.Current.CancellationToken;
        var password = await Server.IssuePasswordAsync(ct);
        var tampered = password[..^6] + (password[^6] == 'A' ? 'B' : 'A') + password[^5..];

        var result = await Cli().RunAsync(Login("-u", "AWS", "--password-stdin"), tampered, ct);

        Assert.Equal(125, result.ExitCode);
        Assert.Equal($"Error: logging into \"{Server.Host}\": invalid username/password\n", result.Error.ReplaceLineEndings("\n"));
        Assert.Equal("", result.Output);
        Assert.False(File.Exists(AuthFile));
        Assert.DoesNotContain(tampered, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_FailsWithAnExistingEntry_LeavesTheFileByteForByte()
    {
        var ct = TestContext.Current.CancellationToken;
        Directory.CreateDirectory(Path.GetDirectoryName(AuthFile)!);
        var before = $$$"""{"auths":{"{{{Server.Host}}}":{"auth":"QVdTOm9sZA=="},"other:1":{"auth":"YTpi"}},"x":1}""";
        File.WriteAllText(AuthFile, before);

        var result = await Cli().RunAsync(Login("-u", "AWS", "--password-stdin"), "not-a-token", ct);

        Assert.Equal(125, result.ExitCode);
        Assert.Equal(before, File.ReadAllText(AuthFile));
    }

    [Fact]
    public async Task Login_ExpiredToken_Exit125AndTheErrorSaysExpired()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await BerthTestServer.StartAsync(cancellationToken: ct);
        var password = await server.IssuePasswordAsync(ct);
        server.Time.Advance(TimeSpan.FromHours(13));

        var result = await Cli().RunAsync(["login", "--tls-verify=false", "--authfile", AuthFile, "-u", "AWS", "--password-stdin", server.Host], password, ct);

        Assert.Equal(125, result.ExitCode);
        var line = Assert.Single(result.Error.TrimEnd().Split('\n'));
        Assert.StartsWith($"Error: authenticating creds for \"{server.Host}\": denied: Your authorization token has expired.", line, StringComparison.Ordinal);
        Assert.False(File.Exists(AuthFile));
    }

    [Fact]
    public async Task Login_TlsVerifyByDefault_PlainHttpRegistry_FailsWithPodmansHttpsMessage()
    {
        var ct = TestContext.Current.CancellationToken;

        var result = await Cli().RunAsync(["login", "--authfile", AuthFile, "-u", "AWS", "--password-stdin", Server.Host], await Server.IssuePasswordAsync(ct), ct);

        Assert.Equal(125, result.ExitCode);
        Assert.Equal(
            $"Error: authenticating creds for \"{Server.Host}\": pinging container registry {Server.Host}: Get \"https://{Server.Host}/v2/\": http: server gave HTTP response to HTTPS client\n",
            result.Error.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Login_NamespacedRegistry_IsStoredUnderThatKey_AndAUrlUnderItsHost()
    {
        var ct = TestContext.Current.CancellationToken;

        var namespaced = await Cli().RunAsync(LoginTo($"{Server.Host}/team/app", "-u", "AWS", "--password-stdin"), await Server.IssuePasswordAsync(ct), ct);
        var url = await Cli().RunAsync(LoginTo($"http://{Server.Host}/v2/", "-u", "AWS", "--password-stdin"), await Server.IssuePasswordAsync(ct), ct);

        Assert.True(namespaced.ExitCode == 0, namespaced.ToString());
        Assert.True(url.ExitCode == 0, url.ToString());
        var auths = JsonNode.Parse(File.ReadAllText(AuthFile))!["auths"]!.AsObject();
        Assert.Equal([$"{Server.Host}/team/app", Server.Host], auths.Select(p => p.Key));
    }

    [Fact]
    public async Task Login_RegistryWithTag_Exit125WithPodmansText()
    {
        var result = await Cli().RunAsync(LoginTo($"{Server.Host}/team/app:v1", "-u", "AWS", "--password-stdin"), "x", TestContext.Current.CancellationToken);

        Assert.Equal(125, result.ExitCode);
        Assert.Equal($"Error: reference \"{Server.Host}/team/app:v1\" contains tag or digest\n", result.Error.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Login_RegistryAuthFileVariable_IsWhereItWrites()
    {
        var ct = TestContext.Current.CancellationToken;
        var file = _dir.Combine("from-env.json");
        var cli = new CliRunner(new Dictionary<string, string?> { ["REGISTRY_AUTH_FILE"] = file, ["HOME"] = _dir.Path });

        var result = await cli.RunAsync(["login", "-v", "--tls-verify=false", "-u", "AWS", "--password-stdin", Server.Host], await Server.IssuePasswordAsync(ct), ct);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith($"Used:  {file}\n", result.Output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.True(File.Exists(file));
    }

    [Fact]
    public async Task Login_MissingXdgRuntimeDir_FailsWithPodmansTextAfterVerifying()
    {
        var ct = TestContext.Current.CancellationToken;
        var missing = _dir.Combine("run-user-0");
        var cli = new CliRunner(new Dictionary<string, string?> { ["XDG_RUNTIME_DIR"] = missing, ["HOME"] = _dir.Path });

        var result = await cli.RunAsync(["login", "--tls-verify=false", "-u", "AWS", "--password-stdin", Server.Host], await Server.IssuePasswordAsync(ct), ct);

        Assert.Equal(125, result.ExitCode);
        Assert.Equal(
            $"Error: \"{missing}\" directory set by $XDG_RUNTIME_DIR does not exist. Either create the directory or unset $XDG_RUNTIME_DIR.\n",
            result.Error.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Login_XdgRuntimeDir_WritesContainersAuthJsonThere()
    {
        var ct = TestContext.Current.CancellationToken;
        var cli = new CliRunner(new Dictionary<string, string?> { ["XDG_RUNTIME_DIR"] = _dir.Path, ["HOME"] = _dir.Path });

        var result = await cli.RunAsync(["login", "-v", "--tls-verify=false", "-u", "AWS", "--password-stdin", Server.Host], await Server.IssuePasswordAsync(ct), ct);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith($"Used:  {Path.Combine(_dir.Path, "containers", "auth.json")}\n", result.Output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Equal(
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
            File.GetUnixFileMode(Path.Combine(_dir.Path, "containers")));
    }

    [Fact]
    public async Task Login_StoredIdentityToken_IsNotOverwritten()
    {
        var ct = TestContext.Current.CancellationToken;
        Directory.CreateDirectory(Path.GetDirectoryName(AuthFile)!);
        File.WriteAllText(AuthFile, "{\"auths\":{\"" + Server.Host + "\":{\"identitytoken\":\"refresh\"}}}");

        var result = await Cli().RunAsync(Login("-u", "AWS", "--password-stdin"), await Server.IssuePasswordAsync(ct), ct);

        Assert.Equal(125, result.ExitCode);
        Assert.Equal("Error: currently logged in, auth file contains an Identity token\n", result.Error.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Login_NoCredentialsGivenButValidOnesStored_SaysAlreadyLoggedIn()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = await Cli().RunAsync(Login("-u", "AWS", "--password-stdin"), await Server.IssuePasswordAsync(ct), ct);
        Assert.Equal(0, first.ExitCode);

        var again = await Cli().RunAsync(Login(), cancellationToken: ct);

        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(
            $"Authenticating with existing credentials for {Server.Host}\nExisting credentials are valid. Already logged in to {Server.Host}\n",
            again.Output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Login_NoUsernameAndStdinNotATerminal_FailsInsteadOfPrompting()
    {
        var result = await Cli().RunAsync(Login(), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(125, result.ExitCode);
        Assert.Single(result.Error.TrimEnd().Split('\n'));
        Assert.StartsWith("Error: getting username and password: no --username given and stdin is not a terminal", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Username:", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetLogin_AfterLogin_PrintsTheUser_AndForAnotherRegistry_Exit125()
    {
        var ct = TestContext.Current.CancellationToken;
        await Cli().RunAsync(Login("-u", "AWS", "--password-stdin"), await Server.IssuePasswordAsync(ct), ct);

        var found = await Cli().RunAsync(["login", "--get-login", "--authfile", AuthFile, Server.Host], cancellationToken: ct);
        var missing = await Cli().RunAsync(["login", "--get-login", "--authfile", AuthFile, "other.example:5000"], cancellationToken: ct);

        Assert.True(found.ExitCode == 0, found.ToString());
        Assert.Equal("AWS\n", found.Output.ReplaceLineEndings("\n"));
        Assert.Equal(125, missing.ExitCode);
        Assert.Equal("Error: not logged into other.example:5000\n", missing.Error.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task GetLogin_WithoutAuthFile_SearchesTheFallbacksDownToDockerConfig()
    {
        var ct = TestContext.Current.CancellationToken;
        Directory.CreateDirectory(_dir.Combine(".docker"));
        File.WriteAllText(_dir.Combine(".docker", "config.json"), """{"auths":{"docker-only.example":{"auth":"ZG9ja2VydXNlcjpwdw=="}}}""");
        var cli = new CliRunner(new Dictionary<string, string?> { ["XDG_RUNTIME_DIR"] = _dir.Path, ["HOME"] = _dir.Path });

        var result = await cli.RunAsync(["login", "--get-login", "docker-only.example"], cancellationToken: ct);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("dockeruser\n", result.Output.ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData(new[] { "login" }, "Error: please provide a registry to login to")]
    [InlineData(new[] { "login", "a.example", "b.example" }, "Error: login accepts only one registry to login to")]
    [InlineData(new[] { "login", "-u", "AWS", "-p", "x", "--password-stdin", "a.example" }, "Error: can't specify both --password-stdin and --password")]
    [InlineData(new[] { "login", "--password-stdin", "a.example" }, "Error: must provide --username with --password-stdin")]
    [InlineData(new[] { "login", "--bogus", "a.example" }, "Error: unknown flag: --bogus")]
    [InlineData(new[] { "login", "a.example", "-u" }, "Error: flag needs an argument: 'u' in -u")]
    [InlineData(new[] { "login", "a.example", "--authfile" }, "Error: flag needs an argument: --authfile")]
    public async Task Login_UsageError_OneLineOnStderrAndExit125(string[] args, string expected)
    {
        var result = await new CliRunner(new Dictionary<string, string?> { ["REGISTRY_AUTH_FILE"] = AuthFile }).RunAsync(args, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(125, result.ExitCode);
        Assert.Equal(expected + "\n", result.Error.ReplaceLineEndings("\n"));
        Assert.Equal("", result.Output);
        Assert.False(File.Exists(AuthFile));
    }

    [Fact]
    public async Task Login_ConcurrentProcessesToDifferentRepositories_LoseNoEntry()
    {
        var ct = TestContext.Current.CancellationToken;
        var dotnet = Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
        var berth = Path.Combine(AppContext.BaseDirectory, "berth.dll");
        const int Processes = 6;
        var passwords = new string[Processes];
        for (var i = 0; i < Processes; i++)
        {
            passwords[i] = await Server.IssuePasswordAsync(ct);
        }

        var runs = await Task.WhenAll(Enumerable.Range(0, Processes).Select(i => ProcessRunner.RunAsync(
            dotnet,
            [berth, "login", "--tls-verify=false", "--authfile", AuthFile, "-u", "AWS", "--password-stdin", $"{Server.Host}/team/app{i}"],
            new Dictionary<string, string?> { ["REGISTRY_AUTH_FILE"] = null, ["DOTNET_SYSTEM_IO_DISABLEFILELOCKING"] = null },
            standardInput: passwords[i] + "\n",
            cancellationToken: ct)));

        Assert.All(runs, r => Assert.True(r.ExitCode == 0 && r.StandardOutput.Contains("Login Succeeded!", StringComparison.Ordinal), r.ToString()));
        for (var i = 0; i < Processes; i++)
        {
            Assert.Equal(new BasicCredentials("AWS", passwords[i]), BasicCredentials.TryDecode(StoredAuth($"{Server.Host}/team/app{i}")));
        }
    }

    private CliRunner Cli() => new(new Dictionary<string, string?> { ["HOME"] = _dir.Path });

    private string[] Login(params string[] extra) => LoginTo(Server.Host, extra);

    private string[] LoginTo(string registry, params string[] extra) => ["login", "--tls-verify=false", "--authfile", AuthFile, .. extra, registry];

    private string? StoredAuth(string key) => (string?)JsonNode.Parse(File.ReadAllText(AuthFile))!["auths"]![key]?["auth"];
}
