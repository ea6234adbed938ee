using System.Text.Json.Nodes;
using Berth.Testing;

namespace Berth.Cli.Tests;

public sealed class LogoutCommandTests(BerthServerFixture fixture) : IClassFixture<BerthServerFixture>, IDisposable
{
    private readonly TempDirectory _dir = TempDirectory.Create();

    private BerthTestServer Server => fixture.Server;

    private string AuthFile => _dir.Combine("auth.json");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Logout_AfterLogin_RemovesOnlyThatKey()
    {
        var ct = TestContext.Current.CancellationToken;
        File.WriteAllText(AuthFile, """{"auths":{"other.example":{"auth":"YTpi"}},"credsStore":"pass"}""");
        var login = await Cli().RunAsync(["login", "--tls-verify=false", "--authfile", AuthFile, "-u", "AWS", "--password-stdin", Server.Host], await Server.IssuePasswordAsync(ct), ct);
        Assert.Equal(0, login.ExitCode);

        var result = await Cli().RunAsync(["logout", "--authfile", AuthFile, Server.Host], cancellationToken: ct);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"Removed login credentials for {Server.Host}\n", result.Output.ReplaceLineEndings("\n"));
        var root = JsonNode.Parse(File.ReadAllText(AuthFile))!;
        Assert.Equal(["other.example"], root["auths"]!.AsObject().Select(p => p.Key));
        Assert.Equal("pass", (string?)root["credsStore"]);
    }

    [Fact]
    public async Task Logout_NotLoggedIn_Exit125()
    {
        File.WriteAllText(AuthFile, """{"auths":{"other.example":{"auth":"YTpi"}}}""");

        var result = await Cli().RunAsync(["logout", "--authfile", AuthFile, "nowhere.example:5000"], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(125, result.ExitCode);
        Assert.Equal("Error: not logged into nowhere.example:5000\n", result.Error.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Logout_UrlArgument_RemovesTheHostKey()
    {
        File.WriteAllText(AuthFile, """{"auths":{"h.example:5000":{"auth":"YTpi"}}}""");

        var result = await Cli().RunAsync(["logout", "--authfile", AuthFile, "https://h.example:5000/v2/"], cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("Removed login credentials for h.example:5000\n", result.Output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Logout_All_EmptiesAuthsAndKeepsOtherMembers()
    {
        File.WriteAllText(AuthFile, """{"auths":{"a.example":{"auth":"YTpi"},"b.example/ns":{"auth":"YTpi"}},"credHelpers":{"c.example":"ecr-login"},"credsStore":"pass"}""");

        var result = await Cli().RunAsync(["logout", "-a", "--authfile", AuthFile], cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("Removed login credentials for all registries\n", result.Output.ReplaceLineEndings("\n"));
        var root = JsonNode.Parse(File.ReadAllText(AuthFile))!.AsObject();
        Assert.Empty(root["auths"]!.AsObject());
        Assert.False(root.ContainsKey("credHelpers"));
        Assert.Equal("pass", (string?)root["credsStore"]);
    }

    [Fact]
    public async Task Logout_MissingAuthFile_FailsLikePodman()
    {
        var missing = _dir.Combine("none.json");

        var result = await Cli().RunAsync(["logout", "--authfile", missing, "a.example"], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(125, result.ExitCode);
        Assert.Equal($"Error: checking authfile: stat {missing}: no such file or directory\n", result.Error.ReplaceLineEndings("\n"));
        Assert.False(File.Exists(missing));
    }

    [Theory]
    [InlineData(new[] { "logout", "--all", "a.example" }, "Error: --all takes no arguments")]
    [InlineData(new[] { "logout" }, "Error: please provide a registry to logout from")]
    [InlineData(new[] { "logout", "a.example", "b.example" }, "Error: logout accepts only one registry to logout from")]
    [InlineData(new[] { "logout", "a.example/ns/repo@sha256:0123456789abcdef0123456789abcdef" }, "Error: reference \"a.example/ns/repo@sha256:0123456789abcdef0123456789abcdef\" contains tag or digest")]
    public async Task Logout_UsageError_OneLineAndExit125(string[] args, string expected)
    {
        File.WriteAllText(AuthFile, """{"auths":{"a.example":{"auth":"YTpi"}}}""");
        var cli = new CliRunner(new Dictionary<string, string?> { ["REGISTRY_AUTH_FILE"] = AuthFile });

        var result = await cli.RunAsync(args, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(125, result.ExitCode);
        Assert.Equal(expected + "\n", result.Error.ReplaceLineEndings("\n"));
        Assert.Equal("""{"auths":{"a.example":{"auth":"YTpi"}}}""", File.ReadAllText(AuthFile));
    }

    private CliRunner Cli() => new(new Dictionary<string, string?> { ["HOME"] = _dir.Path });
}
