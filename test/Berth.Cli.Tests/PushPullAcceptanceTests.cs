using System.Text;
using System.Text.Json;
using Berth.Testing;
using Berth.Testing.Podman;

namespace Berth.Cli.Tests;

/// <summary>Issue 6's acceptance for <c>berth push/pull/copy</c>: a multi-arch OCI layout round trip through a real
/// Berth, read by real skopeo, and a push that survives the server being killed and restarted mid-layer.</summary>
public sealed class PushPullAcceptanceTests : IDisposable
{
    private const long Mib = 1024 * 1024;

    private readonly TempDirectory _temp = TempDirectory.Create("berth-pushpull-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string BerthDll => Path.Combine(AppContext.BaseDirectory, "berth.dll");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task MultiArchLayout_PushThenPull_IsByteIdentical_SkopeoReadsIt_AndRepeatsSkipOrMount()
    {
        await using var server = await BerthTestServer.StartAsync(o => o with { Registry = o.Registry with { CreateOnPush = true } }, cancellationToken: Ct);
        var password = await server.IssuePasswordAsync(Ct);
        var environment = LoginEnvironment(server.Host, password);
        var source = new OciLayoutBuilder(_temp.Combine("src"));
        var amd64 = await source.AddImageAsync("linux/amd64", [3 * Mib, 200_000], seed: 21, Ct);
        var arm64 = await source.AddImageAsync("linux/arm64", [2 * Mib, 100_000], seed: 22, Ct);
        var index = source.AddIndex(amd64, arm64);
        source.Tag(index, "v1");
        var image = $"{server.Host}/accept/app:v1";

        var push = await RunAsync(environment, ["push", "--tls-verify=false", "--chunk-size", "1MiB", $"oci:{source.Directory}:v1", image]);
        var pull = await RunAsync(environment, ["pull", "--tls-verify=false", image, $"oci:{_temp.Combine("dst")}:v1"]);

        Assert.True(push.ExitCode == 0, push.ToString());
        Assert.Equal(index.Digest, push.Output.Trim());
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Equal(index.Digest, pull.Output.Trim());
        var pushed = OciLayoutBuilder.HashBlobs(source.Directory);
        var pulled = OciLayoutBuilder.HashBlobs(_temp.Combine("dst"));
        Assert.Equal(pushed.OrderBy(p => p.Key), pulled.OrderBy(p => p.Key));
        Assert.All(pulled, blob => Assert.Equal(blob.Key, blob.Value));

        // Real skopeo reads what berth pushed: the index byte for byte, and this platform's image through it.
        using var sandbox = await PodmanSandbox.CreateAsync(Ct);
        await sandbox.LoginAsync(server.Host, password, Ct);
        var raw = await sandbox.RunSkopeoAsync(["inspect", "--tls-verify=false", "--raw", $"docker://{image}"], cancellationToken: Ct);
        Assert.True(raw.ExitCode == 0, raw.ToString());
        Assert.Equal(await File.ReadAllTextAsync(source.BlobPath(index.Digest), Ct), raw.StandardOutput.TrimEnd('\n'));
        var layout = await sandbox.RunSkopeoAsync(["inspect", "--raw", $"oci:{_temp.Combine("dst")}:v1"], cancellationToken: Ct);
        Assert.True(layout.ExitCode == 0, layout.ToString());
        Assert.Equal(raw.StandardOutput, layout.StandardOutput);
        var inspect = await sandbox.RunSkopeoAsync(["inspect", "--tls-verify=false", "--override-arch", "arm64", $"docker://{image}"], cancellationToken: Ct);
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        using (var json = JsonDocument.Parse(inspect.StandardOutput))
        {
            Assert.Equal("arm64", json.RootElement.GetProperty("Architecture").GetString());
            Assert.Equal(2, json.RootElement.GetProperty("Layers").GetArrayLength());
        }

        // Pushing again moves nothing; copying to another repository of the same registry mounts every blob.
        var again = await RunAsync(environment, ["push", "--tls-verify=false", $"oci:{source.Directory}:v1", image]);
        var copy = await RunAsync(environment, ["copy", "--tls-verify=false", image, $"{server.Host}/accept/copy:v1"]);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(6, Lines(again.Error, "Skipped blob sha256:").Count(l => l.EndsWith("already present", StringComparison.Ordinal)));
        Assert.Contains("Copied 0 blob(s)", again.Error, StringComparison.Ordinal);
        Assert.True(copy.ExitCode == 0, copy.ToString());
        Assert.Equal(6, Lines(copy.Error, "Skipped blob sha256:").Count(l => l.EndsWith("mounted from the source repository", StringComparison.Ordinal)));
        Assert.Equal(index.Digest, copy.Output.Trim());
    }

    [Fact]
    public async Task Push_ServerKilledMidLayerAndRestarted_EndsInACompletedPush()
    {
        var source = new OciLayoutBuilder(_temp.Combine("big"));
        var image = await source.AddImageAsync("linux/amd64", [320 * Mib], seed: 31, Ct);
        source.Tag(image, "v1");
        var first = await BerthServeProcess.StartAsync(BerthDll, _temp.Combine("data"), ["--create-on-push"], Ct);
        BerthServeProcess? second = null;
        try
        {
            var password = await first.GetLoginPasswordAsync(BerthDll, Ct);
            var environment = LoginEnvironment(first.Host, password);
            var target = $"{first.Host}/restart/app:v1";
            var push = ProcessRunner.RunAsync(
                "dotnet",
                [BerthDll, "push", "--tls-verify=false", "--chunk-size", "8MiB", $"oci:{source.Directory}:v1", target],
                environment,
                timeout: TimeSpan.FromMinutes(5),
                cancellationToken: Ct);

            // Kill the server once a few chunks of the big layer have landed, then bring it back on the same address.
            await WaitUntilAsync(() => Lines(first.Output, "").Count(l => l.Contains("PATCH", StringComparison.Ordinal)) >= 3 || push.IsCompleted, TimeSpan.FromMinutes(2));
            if (push.IsCompleted)
            {
                Assert.Fail($"the push ended before the server was killed: {await push}");
            }

            await first.KillHardAsync(Ct);
            await Task.Delay(TimeSpan.FromSeconds(1), Ct);
            second = await first.StartAgainAsync(BerthDll, ["--create-on-push"], Ct);

            var result = await push;
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal(image.Digest, result.StandardOutput.Trim());
            Assert.Contains("Resuming blob", result.StandardError, StringComparison.Ordinal);

            var pull = await ProcessRunner.RunAsync("dotnet", [BerthDll, "pull", "--tls-verify=false", target, $"oci:{_temp.Combine("back")}:v1"], environment, cancellationToken: Ct);
            Assert.True(pull.ExitCode == 0, pull.ToString());
            Assert.Equal(OciLayoutBuilder.HashBlobs(source.Directory).OrderBy(p => p.Key), OciLayoutBuilder.HashBlobs(_temp.Combine("back")).OrderBy(p => p.Key));
        }
        finally
        {
            await first.DisposeAsync();
            if (second is not null)
            {
                await second.DisposeAsync();
            }
        }
    }

    private Dictionary<string, string?> LoginEnvironment(string host, string password)
    {
        var authFile = _temp.Combine("auth.json");
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes("AWS:" + password));
        var document = new System.Text.Json.Nodes.JsonObject { ["auths"] = new System.Text.Json.Nodes.JsonObject { [host] = new System.Text.Json.Nodes.JsonObject { ["auth"] = auth } } };
        File.WriteAllText(authFile, document.ToJsonString());
        File.SetUnixFileMode(authFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return new Dictionary<string, string?>
        {
            ["REGISTRY_AUTH_FILE"] = authFile,
            ["HOME"] = _temp.Path,
            ["XDG_RUNTIME_DIR"] = _temp.Combine("run"),
            ["DOCKER_CONFIG"] = _temp.Combine("docker"),
        };
    }

    private static Task<CliResult> RunAsync(IReadOnlyDictionary<string, string?> environment, string[] arguments) =>
        new CliRunner(environment).RunAsync(arguments, cancellationToken: Ct);

    private static IEnumerable<string> Lines(string text, string prefix) =>
        text.ReplaceLineEndings("\n").Split('\n').Where(l => l.StartsWith(prefix, StringComparison.Ordinal));

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("condition not reached");
            }

            await Task.Delay(50, Ct);
        }
    }
}
