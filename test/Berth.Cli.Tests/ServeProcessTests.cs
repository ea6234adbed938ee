using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Berth.Testing;

namespace Berth.Cli.Tests;

/// <summary><c>berth serve</c> as a real process: environment configuration, first-start files, clean shutdown.</summary>
public sealed class ServeProcessTests : IDisposable
{
    private readonly TempDirectory _work = TempDirectory.Create("berth-serve-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Serve_FromEnvironment_CreatesOwnerOnlyFilesAnnouncesCommandsAndStopsCleanlyOnSigterm()
    {
        var port = FreePort();
        var data = _work.Combine("data");
        using var serve = StartServe([], new() { ["BERTH_DATA_DIR"] = data, ["BERTH_LISTEN"] = $"127.0.0.1:{port}", ["BERTH_REGION"] = "eu-west-3" });

        var announcement = await ReadUntilAsync(serve, "podman login");
        using var http = new HttpClient();
        using var ping = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/v2/"), Ct);
        Signal(serve, "TERM");
        await serve.WaitForExitAsync(Ct).WaitAsync(TimeSpan.FromSeconds(20), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, ping.StatusCode);
        Assert.Equal(0, serve.ExitCode);
        Assert.Contains($"aws ecr get-login-password --endpoint-url http://127.0.0.1:{port} --region eu-west-3", announcement, StringComparison.Ordinal);
        Assert.Contains($"podman login --username AWS --password-stdin --tls-verify=false 127.0.0.1:{port}", announcement, StringComparison.Ordinal);
        var credentials = Path.Combine(data, "credentials");
        Assert.Contains($"export AWS_SHARED_CREDENTIALS_FILE={credentials} AWS_PROFILE=berth", announcement, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(credentials));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data, "keyring.json")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(data));
        var secret = File.ReadAllLines(credentials).Single(l => l.StartsWith("aws_secret_access_key", StringComparison.Ordinal)).Split('=')[1].Trim();
        Assert.DoesNotContain(secret, announcement, StringComparison.Ordinal);
        Assert.Contains("[berth]", File.ReadAllText(credentials), StringComparison.Ordinal);
        Assert.Contains("region = eu-west-3", File.ReadAllText(credentials), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_SecondStart_KeepsTheBootstrapCredentials()
    {
        var data = _work.Combine("data");
        var first = await RunOnceAsync(data);
        var credentials = await File.ReadAllTextAsync(Path.Combine(data, "credentials"), Ct);

        var second = await RunOnceAsync(data);

        Assert.Contains("Created the bootstrap admin", first, StringComparison.Ordinal);
        Assert.DoesNotContain("Created the bootstrap admin", second, StringComparison.Ordinal);
        Assert.Equal(credentials, await File.ReadAllTextAsync(Path.Combine(data, "credentials"), Ct));
    }

    [Theory]
    [InlineData("--listen", "nowhere", "invalid --listen 'nowhere'")]
    [InlineData("--token-ttl", "forever", "invalid --token-ttl 'forever'")]
    [InlineData("--account-id", "12", "invalid --account-id '12'")]
    [InlineData("--public-url", "ftp://x", "invalid --public-url 'ftp://x'")]
    [InlineData("--lifecycle-interval", "daily", "invalid --lifecycle-interval 'daily'")]
    [InlineData("--auth-failure-limit", "many", "invalid --auth-failure-limit 'many'")]
    [InlineData("--auth-failure-window", "soon", "invalid --auth-failure-window 'soon'")]
    public async Task Serve_BadFlag_OneLineErrorAndNonZeroExit(string flag, string value, string message)
    {
        var cli = new CliRunner(new Dictionary<string, string?>());

        var result = await cli.RunAsync(["serve", "--data-dir", _work.Combine("data"), flag, value], cancellationToken: Ct);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"Error: {message}", result.Error.Split('\n')[0][..(message.Length + 7)]);
        Assert.Single(result.Error.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task Serve_PortInUse_OneLineError()
    {
        using var blocker = new TcpListener(IPAddress.Loopback, 0);
        blocker.Start();
        var port = ((IPEndPoint)blocker.LocalEndpoint).Port;
        using var serve = StartServe(["--data-dir", _work.Combine("data"), "--listen", $"127.0.0.1:{port}"], []);

        await serve.WaitForExitAsync(Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var error = await serve.StandardError.ReadToEndAsync(Ct);

        Assert.NotEqual(0, serve.ExitCode);
        Assert.StartsWith($"Error: cannot listen on 127.0.0.1:{port}", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    private async Task<string> RunOnceAsync(string data)
    {
        using var serve = StartServe(["--data-dir", data, "--listen", $"127.0.0.1:{FreePort()}"], []);
        var text = await ReadUntilAsync(serve, "podman login");
        Signal(serve, "INT");
        await serve.WaitForExitAsync(Ct).WaitAsync(TimeSpan.FromSeconds(20), Ct);
        Assert.Equal(0, serve.ExitCode);
        return text;
    }

    private Process StartServe(string[] args, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _work.Path,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "berth.dll"));
        start.ArgumentList.Add("serve");
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("BERTH_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return Process.Start(start)!;
    }

    private static async Task<string> ReadUntilAsync(Process process, string marker)
    {
        var text = new System.Text.StringBuilder();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            text.AppendLine(line);
            if (line.Contains(marker, StringComparison.Ordinal))
            {
                return text.ToString();
            }
        }

        throw new InvalidOperationException($"serve ended before printing '{marker}':\n{text}\n{await process.StandardError.ReadToEndAsync(Ct)}");
    }

    private static void Signal(Process process, string signal) =>
        Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose() => _work.Dispose();
}
