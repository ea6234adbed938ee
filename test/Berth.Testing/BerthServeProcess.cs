using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Berth.Testing;

/// <summary>
/// <c>berth serve</c> as a real child process (<c>dotnet berth.dll serve --data-dir D --listen 127.0.0.1:PORT …</c>),
/// so a test can kill it the hard way (SIGKILL) or stop it gracefully (SIGTERM) and start it again on the same data.
/// </summary>
/// <remarks>Only the process this object started is ever signalled, by its pid.</remarks>
public sealed class BerthServeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Task _drain;

    private BerthServeProcess(Process process, string dataDirectory, int port)
    {
        _process = process;
        DataDirectory = dataDirectory;
        Port = port;
        _drain = DrainStandardErrorAsync();
    }

    public string DataDirectory { get; }

    public int Port { get; }

    public int ProcessId => _process.Id;

    /// <summary><c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri BaseAddress => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/");

    /// <summary><c>127.0.0.1:PORT</c>.</summary>
    public string Host => BaseAddress.Authority;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>What the process printed so far (stdout up to the announcement, then everything on stderr once it ended).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <c>dotnet <paramref name="berthDll"/> serve</c> on a free loopback port and waits until it announces itself.</summary>
    public static Task<BerthServeProcess> StartAsync(
        string berthDll, string dataDirectory, IEnumerable<string>? extraArguments = null, CancellationToken cancellationToken = default) =>
        StartOnPortAsync(berthDll, dataDirectory, FreePort(), extraArguments, cancellationToken);

    /// <summary>Starts another <c>berth serve</c> on this one's data directory and port (after it was killed or
    /// stopped), so a client that keeps the address sees the same registry come back.</summary>
    public Task<BerthServeProcess> StartAgainAsync(string berthDll, IEnumerable<string>? extraArguments = null, CancellationToken cancellationToken = default) =>
        StartOnPortAsync(berthDll, DataDirectory, Port, extraArguments, cancellationToken);

    private static async Task<BerthServeProcess> StartOnPortAsync(
        string berthDll, string dataDirectory, int port, IEnumerable<string>? extraArguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(dataDirectory)) ?? Environment.CurrentDirectory,
        };
        foreach (var argument in (string[])[berthDll, "serve", "--data-dir", dataDirectory, "--listen", $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", .. extraArguments ?? []])
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("BERTH_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        var serve = new BerthServeProcess(process, dataDirectory, port);
        try
        {
            await serve.ReadUntilAsync("podman login", cancellationToken);
        }
        catch
        {
            await serve.DisposeAsync();
            throw;
        }

        // Keep draining stdout (request log lines) so the child never blocks on a full pipe.
        _ = serve.DrainStandardOutputAsync();
        return serve;
    }

    /// <summary>Prints a registry password for this server with <c>dotnet berth.dll ecr get-login-password</c> and the bootstrap credentials.</summary>
    public async Task<string> GetLoginPasswordAsync(string berthDll, CancellationToken cancellationToken = default)
    {
        var result = await ProcessRunner.RunAsync(
            "dotnet",
            [berthDll, "ecr", "get-login-password", "--endpoint-url", $"http://{Host}", "--region", "us-east-1"],
            new Dictionary<string, string?>
            {
                ["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(DataDirectory, "credentials"),
                ["AWS_PROFILE"] = "berth",
                ["AWS_CONFIG_FILE"] = Path.Combine(DataDirectory, "aws-config-none"),
                ["AWS_ACCESS_KEY_ID"] = null,
                ["AWS_SECRET_ACCESS_KEY"] = null,
                ["AWS_SESSION_TOKEN"] = null,
                ["AWS_DEFAULT_REGION"] = null,
                ["AWS_REGION"] = null,
                ["AWS_ENDPOINT_URL"] = null,
                ["AWS_ENDPOINT_URL_ECR"] = null,
            },
            cancellationToken: cancellationToken);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.StandardOutput.TrimEnd('\n');
    }

    /// <summary>Sends <c>SIGKILL</c> to this process (no shutdown code runs) and waits until it is gone.</summary>
    public Task KillHardAsync(CancellationToken cancellationToken = default) => SignalAndWaitAsync("KILL", cancellationToken);

    /// <summary>Sends <c>SIGTERM</c> (graceful shutdown) and waits for the exit.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => SignalAndWaitAsync("TERM", cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync(CancellationToken.None);
        }

        _process.Dispose();
    }

    /// <summary>Sends <paramref name="signal"/> (<c>TERM</c>, <c>KILL</c>, …) to this process without waiting for it to exit.</summary>
    public async Task SendSignalAsync(string signal, CancellationToken cancellationToken = default)
    {
        using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(CultureInfo.InvariantCulture)])
            ?? throw new InvalidOperationException("could not run kill");
        await kill.WaitForExitAsync(cancellationToken);
    }

    /// <summary>Waits until the process has printed <paramref name="text"/> (request log lines and host messages go to stdout).</summary>
    public async Task WaitForOutputAsync(string text, CancellationToken cancellationToken = default)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeSpan.FromMinutes(1));
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            await Task.Delay(20, limit.Token);
        }
    }

    /// <summary>Waits for an exit already under way (after <see cref="SendSignalAsync"/>), sending nothing more.</summary>
    public async Task WaitForExitAsync(CancellationToken cancellationToken = default)
    {
        await _process.WaitForExitAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        await _drain.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
    }

    private async Task SignalAndWaitAsync(string signal, CancellationToken cancellationToken)
    {
        await SendSignalAsync(signal, cancellationToken);
        await _process.WaitForExitAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        await _drain.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
    }

    private async Task ReadUntilAsync(string marker, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeSpan.FromSeconds(90));
        while (await _process.StandardOutput.ReadLineAsync(limit.Token) is { } line)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }

            if (line.Contains(marker, StringComparison.Ordinal))
            {
                return;
            }
        }

        await _process.WaitForExitAsync(cancellationToken);
        await _drain;
        throw new InvalidOperationException($"berth serve ended (exit {_process.ExitCode}) before printing '{marker}':\n{Output}");
    }

    private async Task DrainStandardErrorAsync()
    {
        var text = await _process.StandardError.ReadToEndAsync();
        lock (_output)
        {
            _output.Append(text);
        }
    }

    private async Task DrainStandardOutputAsync()
    {
        try
        {
            while (await _process.StandardOutput.ReadLineAsync() is { } line)
            {
                lock (_output)
                {
                    _output.AppendLine(line);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
