using System.Globalization;
using System.Text;
using Berth.Protocol.Tokens;
using Berth.Testing;
using Berth.Testing.Podman;

namespace Berth.Cli.Tests;

/// <summary>
/// <c>berth login</c> and <c>berth token inspect</c> interoperate with the real tools: the aws CLI's password goes
/// into <c>berth login</c>, podman uses the file berth wrote, and berth reads the file podman wrote.
/// </summary>
public sealed class BerthLoginWithRealClientsTests : IAsyncLifetime
{
    private readonly TempDirectory _home = TempDirectory.Create("berth-home-");
    private BerthTestServer _server = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() =>
        _server = await BerthTestServer.StartAsync(o => o with { Registry = o.Registry with { CreateOnPush = true } }, cancellationToken: Ct);

    [Fact]
    public async Task BerthLogin_AwsPasswordOnStdin_PodmanReadsTheFileAndPushesWithIt()
    {
        using var sandbox = await PodmanSandbox.CreateAsync(Ct);
        var output = await AwsGetLoginPasswordAsync();
        var cli = new CliRunner(new Dictionary<string, string?>());

        var login = await cli.RunAsync(
            ["login", "--username", "AWS", "--password-stdin", "--tls-verify=false", "--authfile", sandbox.AuthFile, _server.Host], output, Ct);
        var getLogin = await sandbox.RunPodmanAsync(["login", "--get-login", "--authfile", sandbox.AuthFile, _server.Host], cancellationToken: Ct);
        var context = Directory.CreateDirectory(Path.Combine(sandbox.WorkDirectory, "context")).FullName;
        await File.WriteAllTextAsync(Path.Combine(context, "hello.txt"), "hello from berth login\n", Ct);
        await File.WriteAllTextAsync(Path.Combine(context, "Containerfile"), "FROM scratch\nCOPY hello.txt /hello.txt\n", Ct);
        var build = await sandbox.RunPodmanAsync(["build", "--tag", $"{_server.Host}/team/app:v1", context], cancellationToken: Ct);
        var push = await sandbox.RunPodmanAsync(["push", "--tls-verify=false", "--authfile", sandbox.AuthFile, $"{_server.Host}/team/app:v1"], cancellationToken: Ct);

        Assert.True(login.ExitCode == 0, login.ToString());
        Assert.Equal("Login Succeeded!\n", login.Output);
        Assert.Equal("AWS:" + output.TrimEnd('\n'), Encoding.UTF8.GetString(Convert.FromBase64String(sandbox.ReadStoredAuth(_server.Host)!)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(sandbox.AuthFile));
        Assert.True(getLogin.ExitCode == 0, getLogin.ToString());
        Assert.Equal("AWS\n", getLogin.StandardOutput);
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.True(push.ExitCode == 0, push.ToString());
        Assert.Contains(_server.Logs.Lines, l => l.Contains("PUT /v2/team/app/manifests/v1", StringComparison.Ordinal) && l.Contains("-> 201", StringComparison.Ordinal) && l.EndsWith("as admin", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TokenInspect_FileWrittenByPodmanLogin_PrintsTheExpiryTheServerIssued()
    {
        using var sandbox = await PodmanSandbox.CreateAsync(Ct);
        var output = await AwsGetLoginPasswordAsync();
        var login = await sandbox.RunPodmanAsync(
            ["login", "--username", "AWS", "--password-stdin", "--tls-verify=false", "--authfile", sandbox.AuthFile, _server.Host], output, cancellationToken: Ct);
        Assert.True(login.ExitCode == 0, login.ToString());
        var issued = TokenEnvelope.TryParse(output.TrimEnd('\n'))!.ExpiresAt;

        var inspect = await new CliRunner(new Dictionary<string, string?>()).RunAsync(["token", "inspect", "--authfile", sandbox.AuthFile, _server.Host], cancellationToken: Ct);

        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        Assert.Contains(issued.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), inspect.Output, StringComparison.Ordinal);
        Assert.Contains($"Source:", inspect.Output, StringComparison.Ordinal);
        Assert.Contains(sandbox.AuthFile, inspect.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(output.TrimEnd('\n'), inspect.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BerthLogout_RemovesTheEntry_PodmanThenSeesNoLogin()
    {
        using var sandbox = await PodmanSandbox.CreateAsync(Ct);
        var cli = new CliRunner(new Dictionary<string, string?>());
        var login = await cli.RunAsync(
            ["login", "--username", "AWS", "--password-stdin", "--tls-verify=false", "--authfile", sandbox.AuthFile, _server.Host], await AwsGetLoginPasswordAsync(), Ct);
        Assert.Equal(0, login.ExitCode);

        var logout = await cli.RunAsync(["logout", "--authfile", sandbox.AuthFile, _server.Host], cancellationToken: Ct);
        var getLogin = await sandbox.RunPodmanAsync(["login", "--get-login", "--authfile", sandbox.AuthFile, _server.Host], cancellationToken: Ct);

        Assert.Equal(0, logout.ExitCode);
        Assert.Equal($"Removed login credentials for {_server.Host}\n", logout.Output);
        Assert.Equal(125, getLogin.ExitCode);
        Assert.Contains($"not logged into {_server.Host}", getLogin.StandardError, StringComparison.Ordinal);
    }

    private async Task<string> AwsGetLoginPasswordAsync()
    {
        var aws = RealClients.Require("aws");
        var result = await ProcessRunner.RunAsync(
            aws, ["ecr", "get-login-password", "--endpoint-url", _server.EndpointUrl, "--region", "us-east-1"], _server.AwsEnvironment(_home.Path), cancellationToken: Ct);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.StandardOutput;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _home.Dispose();
    }
}
