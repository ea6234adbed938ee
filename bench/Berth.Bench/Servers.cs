using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Berth.Bench;

/// <summary>A registry running as a child process of the benchmark.</summary>
internal sealed class RegistryServer : IAsyncDisposable
{
    public const string Repository = "bench/app";

    private readonly Process _process;

    private RegistryServer(string name, Process process, Uri baseAddress, string logPath)
    {
        Name = name;
        _process = process;
        BaseAddress = baseAddress;
        LogPath = logPath;
    }

    /// <summary>"Berth" or "reference".</summary>
    public string Name { get; }

    public Uri BaseAddress { get; }

    public string LogPath { get; }

    public int ProcessId => _process.Id;

    public AuthenticationHeaderValue Authorization { get; private set; } = new("Basic");

    /// <summary>One line about the server for the report header.</summary>
    public string Description { get; private set; } = "";

    /// <summary>
    /// Starts <c>dotnet berth.dll serve</c> on a free loopback port, creates the benchmark repository through the ECR API
    /// (Berth never creates repositories on push, like ECR) and logs in with <c>aws ecr get-login-password</c>.
    /// </summary>
    public static async Task<RegistryServer> StartBerthAsync(string berthDll, string workDir, bool logToFile, CancellationToken ct)
    {
        var dataDir = Path.Combine(workDir, "berth-data");
        var port = FreePort();
        var log = logToFile ? Path.Combine(workDir, "berth.log") : "/dev/null";
        var command = $"exec dotnet {Quote(berthDll)} serve --data-dir {Quote(dataDir)} --listen 127.0.0.1:{port} --region us-east-1";
        var server = new RegistryServer("Berth", Spawn(command, log), new Uri($"http://127.0.0.1:{port}/"), log);
        try
        {
            await server.WaitReadyAsync(ct);
            var env = new Dictionary<string, string>
            {
                ["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(dataDir, "credentials"),
                ["AWS_PROFILE"] = "berth",
                ["AWS_PAGER"] = "",
            };
            var endpoint = $"http://127.0.0.1:{port}";
            await RunToolAsync("aws", ["ecr", "create-repository", "--repository-name", Repository, "--endpoint-url", endpoint, "--region", "us-east-1", "--output", "json"], env, ct);
            var password = (await RunToolAsync("aws", ["ecr", "get-login-password", "--endpoint-url", endpoint, "--region", "us-east-1"], env, ct)).Trim();
            server.Authorization = Basic("AWS", password);
            server.Description = $"berth serve ({berthDll}), data in {dataDir}, Basic AWS:<get-login-password token>";
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts Debian's <c>docker-registry serve config.yml</c> (CNCF distribution 2.8) with htpasswd (bcrypt) auth and
    /// filesystem storage, configured like Debian's packaged /etc/docker/registry/config.yml otherwise.
    /// </summary>
    public static async Task<RegistryServer> StartReferenceAsync(string binary, string workDir, bool logToFile, CancellationToken ct)
    {
        var root = Path.Combine(workDir, "reference-data");
        Directory.CreateDirectory(root);
        var port = FreePort();
        var password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var htpasswd = Path.Combine(workDir, "htpasswd");
        await File.WriteAllTextAsync(htpasswd, await RunToolAsync("htpasswd", ["-Bbn", "bench", password], null, ct), ct);
        var config = Path.Combine(workDir, "config.yml");
        await File.WriteAllTextAsync(config, $"""
            version: 0.1
            log:
              level: info
              fields:
                service: registry
            storage:
              cache:
                blobdescriptor: inmemory
              filesystem:
                rootdirectory: {root}
              delete:
                enabled: true
              maintenance:
                uploadpurging:
                  enabled: false
            http:
              addr: 127.0.0.1:{port}
              secret: {Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}
              headers:
                X-Content-Type-Options: [nosniff]
            auth:
              htpasswd:
                realm: berth-bench
                path: {htpasswd}

            """, ct);

        var log = logToFile ? Path.Combine(workDir, "reference.log") : "/dev/null";
        var server = new RegistryServer("reference", Spawn($"exec {Quote(binary)} serve {Quote(config)}", log), new Uri($"http://127.0.0.1:{port}/"), log);
        try
        {
            await server.WaitReadyAsync(ct);
            server.Authorization = Basic("bench", password);
            var version = (await RunToolAsync(binary, ["--version"], null, ct)).Trim();
            server.Description = $"{version}, filesystem storage in {root}, htpasswd bcrypt (cost 5, htpasswd -B default)";
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    /// <summary>Runs a helper tool to completion and returns its standard output; fails with its standard error.</summary>
    public static async Task<string> RunToolAsync(string file, IEnumerable<string> args, IDictionary<string, string>? env, CancellationToken ct)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in env ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return process.ExitCode == 0
            ? await stdout
            : throw new InvalidOperationException($"{file} {string.Join(' ', info.ArgumentList)} exited with {process.ExitCode}: {await stderr}");
    }

    // The shell execs the server, so the child's pid is the server's own pid, and its output goes straight to a file
    // without passing through this process.
    private static Process Spawn(string command, string log)
    {
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add($"{command} >{Quote(log)} 2>&1 </dev/null");
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        return Process.Start(info) ?? throw new InvalidOperationException($"cannot start: {command}");
    }

    private async Task WaitReadyAsync(CancellationToken ct)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} during start-up; see {LogPath}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri(BaseAddress, "v2/"), ct);
                if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                // Listening but slow to answer the first request.
            }

            await Task.Delay(100, ct);
        }

        throw new TimeoutException($"{Name} did not answer GET /v2/ within 60 s; see {LogPath}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
