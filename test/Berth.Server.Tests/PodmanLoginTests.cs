using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text;
using System.Text.Json;
using Berth.Testing;
using Berth.Testing.Podman;

namespace Berth.Server.Tests;

/// <summary>The central login flow end to end: the real aws CLI gets a password, the real podman logs in with it.</summary>
public sealed class PodmanLoginTests(BerthServerFixture fixture) : IClassFixture<BerthServerFixture>, IDisposable
{
    private const string ExpiredMessage = "Your authorization token has expired. Reauthenticate and try again.";

    private readonly TempDirectory _awsHome = TempDirectory.Create("berth-home-");

    private BerthTestServer Server => fixture.Server;

    [Fact]
    [SupportedOSPlatform("linux")]
    public async Task PodmanLogin_PasswordFromAwsCliOnStdin_SucceedsAndStoresAwsColonPasswordWithMode0600()
    {
        var ct = TestContext.Current.CancellationToken;
        using var sandbox = await PodmanSandbox.CreateAsync(ct);
        var output = await GetLoginPasswordOutputAsync(Server, ct);
        var password = output.TrimEnd('\n');

        // The aws CLI's stdout, trailing newline included, is exactly what `| podman login --password-stdin` reads.
        var login = await LoginAsync(sandbox, Server.Host, output, ct);

        Assert.True(login.ExitCode == 0, login.ToString());
        Assert.Contains("Login Succeeded!", login.StandardOutput, StringComparison.Ordinal);
        var stored = sandbox.ReadStoredAuth(Server.Host);
        Assert.NotNull(stored);
        Assert.Equal("AWS:" + password, Encoding.UTF8.GetString(Convert.FromBase64String(stored)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(sandbox.AuthFile));
    }

    [Fact]
    public async Task SkopeoLogin_PasswordFromAwsCliOnStdin_StoresTheSameEntryPodmanReads()
    {
        var ct = TestContext.Current.CancellationToken;
        using var sandbox = await PodmanSandbox.CreateAsync(ct);
        var output = await GetLoginPasswordOutputAsync(Server, ct);

        var login = await sandbox.RunSkopeoAsync(
            ["login", "--username", "AWS", "--password-stdin", "--tls-verify=false", "--authfile", sandbox.AuthFile, Server.Host], output, cancellationToken: ct);
        var getLogin = await sandbox.RunPodmanAsync(["login", "--get-login", "--authfile", sandbox.AuthFile, Server.Host], cancellationToken: ct);

        Assert.True(login.ExitCode == 0, login.ToString());
        Assert.Contains("Login Succeeded!", login.StandardOutput, StringComparison.Ordinal);
        var stored = sandbox.ReadStoredAuth(Server.Host);
        Assert.NotNull(stored);
        Assert.Equal("AWS:" + output.TrimEnd('\n'), Encoding.UTF8.GetString(Convert.FromBase64String(stored)));
        Assert.Equal("AWS\n", getLogin.StandardOutput);
    }

    [Fact]
    public async Task PodmanLogin_TamperedPassword_Exits125WithInvalidUsernamePasswordAndStoresNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        using var sandbox = await PodmanSandbox.CreateAsync(ct);
        const string OtherRegistry = "other.example:5000";
        await File.WriteAllTextAsync(sandbox.AuthFile, """{"auths":{"other.example:5000":{"auth":"QVdTOm90aGVy"}}}""", ct);
        var password = (await GetLoginPasswordOutputAsync(Server, ct)).TrimEnd('\n');
        var middle = password.Length / 2;
        var tampered = string.Concat(password.AsSpan(0, middle), password[middle] == 'A' ? "B" : "A", password.AsSpan(middle + 1));
        Assert.NotEqual(password, tampered);

        var login = await LoginAsync(sandbox, Server.Host, tampered + "\n", ct);

        Assert.Equal(125, login.ExitCode);
        Assert.Contains($"Error: logging into \"{Server.Host}\": invalid username/password", login.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Login Succeeded", login.StandardOutput, StringComparison.Ordinal);
        Assert.Null(sandbox.ReadStoredAuth(Server.Host));
        Assert.Equal("QVdTOm90aGVy", sandbox.ReadStoredAuth(OtherRegistry));
    }

    [Fact]
    public async Task PodmanLoginGetLogin_AfterLogin_PrintsAws()
    {
        var ct = TestContext.Current.CancellationToken;
        using var sandbox = await PodmanSandbox.CreateAsync(ct);
        var login = await LoginAsync(sandbox, Server.Host, await GetLoginPasswordOutputAsync(Server, ct), ct);
        Assert.True(login.ExitCode == 0, login.ToString());

        var getLogin = await sandbox.RunPodmanAsync(["login", "--get-login", "--authfile", sandbox.AuthFile, Server.Host], cancellationToken: ct);

        Assert.True(getLogin.ExitCode == 0, getLogin.ToString());
        Assert.Equal("AWS\n", getLogin.StandardOutput);
    }

    [Fact]
    public async Task PodmanLoginGetLogin_NeverLoggedIn_Exits125NotLoggedInto()
    {
        var ct = TestContext.Current.CancellationToken;
        using var sandbox = await PodmanSandbox.CreateAsync(ct);

        var getLogin = await sandbox.RunPodmanAsync(["login", "--get-login", "--authfile", sandbox.AuthFile, Server.Host], cancellationToken: ct);

        Assert.Equal(125, getLogin.ExitCode);
        Assert.Contains($"not logged into {Server.Host}", getLogin.StandardError, StringComparison.Ordinal);
        Assert.Equal("", getLogin.StandardOutput);
    }

    [Fact]
    public async Task PodmanLogout_AfterLogin_PrintsRemovedAndDeletesTheEntry()
    {
        var ct = TestContext.Current.CancellationToken;
        using var sandbox = await PodmanSandbox.CreateAsync(ct);
        var login = await LoginAsync(sandbox, Server.Host, await GetLoginPasswordOutputAsync(Server, ct), ct);
        Assert.True(login.ExitCode == 0, login.ToString());
        Assert.NotNull(sandbox.ReadStoredAuth(Server.Host));

        var logout = await sandbox.RunPodmanAsync(["logout", "--authfile", sandbox.AuthFile, Server.Host], cancellationToken: ct);

        Assert.True(logout.ExitCode == 0, logout.ToString());
        Assert.Equal($"Removed login credentials for {Server.Host}\n", logout.StandardOutput);
        Assert.True(File.Exists(sandbox.AuthFile));
        Assert.Null(sandbox.ReadStoredAuth(Server.Host));
    }

    [Fact]
    public async Task PodmanLogin_TokenExpiredAfterLogin_FailsAndRegistryAnswers403DeniedExpired()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await BerthTestServer.StartAsync(cancellationToken: ct);
        using var sandbox = await PodmanSandbox.CreateAsync(ct);
        var password = (await GetLoginPasswordOutputAsync(server, ct)).TrimEnd('\n');
        var first = await LoginAsync(sandbox, server.Host, password + "\n", ct);
        Assert.True(first.ExitCode == 0, first.ToString());
        var storedBefore = sandbox.ReadStoredAuth(server.Host);
        Assert.NotNull(storedBefore);

        server.Time.Advance(TimeSpan.FromHours(13));
        var again = await LoginAsync(sandbox, server.Host, password + "\n", ct);

        // podman 4.3.1 (containers/image 5.23) reports only the status of a non-401 answer to its credential check,
        // not the body; docker and later podman versions print "denied: <message>".
        Assert.Equal(125, again.ExitCode);
        Assert.DoesNotContain("Login Succeeded", again.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"Error: authenticating creds for \"{server.Host}\": invalid status code from registry 403 (Forbidden)", again.StandardError, StringComparison.Ordinal);
        Assert.Equal(storedBefore, sandbox.ReadStoredAuth(server.Host));

        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v2/");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("AWS:" + password)));
        using var response = await http.SendAsync(request, ct);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        var error = Assert.Single(body.RootElement.GetProperty("errors").EnumerateArray());
        Assert.Equal("DENIED", error.GetProperty("code").GetString());
        Assert.Equal(ExpiredMessage, error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task PodmanLogin_PlainHttpServer_FallsBackFromTlsImmediatelyInsteadOfStalling()
    {
        var ct = TestContext.Current.CancellationToken;
        using var sandbox = await PodmanSandbox.CreateAsync(ct);
        var output = await GetLoginPasswordOutputAsync(Server, ct);

        var clock = Stopwatch.StartNew();
        var login = await sandbox.RunPodmanAsync(
            ["--log-level=debug", "login", "--authfile", sandbox.AuthFile, "--username", "AWS", "--password-stdin", "--tls-verify=false", Server.Host],
            output,
            cancellationToken: ct);
        clock.Stop();
        TestContext.Current.TestOutputHelper?.WriteLine($"podman login (debug logging) took {clock.Elapsed.TotalMilliseconds:F0} ms");

        Assert.True(login.ExitCode == 0, login.ToString());
        // podman tries https first; Kestrel answers the ClientHello with a plain "HTTP/1.1 400", so Go fails the
        // handshake at once and podman falls back to http. A server that sat on the ClientHello would cost the
        // 10 s TLS handshake timeout on every podman command.
        Assert.Contains($"Ping https://{Server.Host}/v2/ err", login.StandardError, StringComparison.Ordinal);
        Assert.Contains("server gave HTTP response to HTTPS client", login.StandardError, StringComparison.Ordinal);
        Assert.Contains($"Ping http://{Server.Host}/v2/ status 401", login.StandardError, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"podman login took {clock.Elapsed}");
    }

    [Fact]
    public async Task PlainHttpListener_TlsClientHello_IsRejectedPromptly()
    {
        var ct = TestContext.Current.CancellationToken;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, Server.BaseAddress.Port, ct);
        await using var tls = new SslStream(tcp.GetStream());
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TimeSpan.FromSeconds(5));

        var clock = Stopwatch.StartNew();
        var failure = await Record.ExceptionAsync(() => tls.AuthenticateAsClientAsync(
            new SslClientAuthenticationOptions { TargetHost = "localhost" },
            limit.Token));

        Assert.NotNull(failure);
        Assert.IsNotType<OperationCanceledException>(failure, exactMatch: false);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the handshake failed only after {clock.Elapsed}");
    }

    public void Dispose() => _awsHome.Dispose();

    private async Task<string> GetLoginPasswordOutputAsync(BerthTestServer server, CancellationToken ct)
    {
        var aws = RealClients.Require("aws");
        var result = await ProcessRunner.RunAsync(
            aws, ["ecr", "get-login-password", "--endpoint-url", server.EndpointUrl, "--region", "us-east-1"], server.AwsEnvironment(_awsHome.Path), cancellationToken: ct);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.StandardOutput;
    }

    private static Task<ProcessResult> LoginAsync(PodmanSandbox sandbox, string host, string standardInput, CancellationToken ct) =>
        sandbox.RunPodmanAsync(
            ["login", "--username", "AWS", "--password-stdin", "--tls-verify=false", "--authfile", sandbox.AuthFile, host],
            standardInput,
            cancellationToken: ct);
}
