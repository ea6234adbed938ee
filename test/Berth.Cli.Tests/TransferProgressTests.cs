using System.Text.Json.Nodes;
using Berth.Testing;

namespace Berth.Cli.Tests;

/// <summary>Progress of the real <c>berth</c> binary: live bars in a terminal (tmux), plain lines through a pipe.</summary>
public sealed class TransferProgressTests : IDisposable
{
    private readonly TempDirectory _temp = TempDirectory.Create("berth-progress-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string BerthDll => Path.Combine(AppContext.BaseDirectory, "berth.dll");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task InATerminal_EachBlobAndTheTotalGetABar_PartialWhileTheRegistryIsDown_FullWhenDone()
    {
        var layout = new OciLayoutBuilder(_temp.Combine("src"));
        var image = await layout.AddImageAsync("linux/amd64", [160 << 20, 1 << 20], seed: 12, Ct);
        layout.Tag(image, "v1");
        var blobs = OciLayoutBuilder.HashBlobs(layout.Directory).Keys.Where(d => d != image.Digest).ToList();
        var first = await BerthServeProcess.StartAsync(BerthDll, _temp.Combine("data"), ["--create-on-push"], Ct);
        BerthServeProcess? second = null;
        try
        {
            var authFile = _temp.Combine("auth.json");
            var auth = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("AWS:" + await first.GetLoginPasswordAsync(BerthDll, Ct)));
            await File.WriteAllTextAsync(authFile, new JsonObject { ["auths"] = new JsonObject { [first.Host] = new JsonObject { ["auth"] = auth } } }.ToJsonString(), Ct);
            File.SetUnixFileMode(authFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var command = $"REGISTRY_AUTH_FILE='{authFile}' dotnet '{BerthDll}' push --tls-verify=false --jobs 1 --chunk-size 8MiB "
                + $"'oci:{layout.Directory}:v1' '{first.Host}/progress/app:v1'; echo EXIT=$?; sleep 60";
            await using var tmux = await Tmux.StartAsync(_temp.Path, command, cancellationToken: Ct);

            // Stop the registry a few chunks into the big layer: the push waits and retries, its bars stay part-way.
            await WaitUntilAsync(() => first.Output.Split('\n').Count(l => l.Contains("PATCH", StringComparison.Ordinal)) >= 3);
            await first.KillHardAsync(Ct);
            await Task.Delay(TimeSpan.FromSeconds(1.5), Ct);
            var stalled = await tmux.CaptureAsync(Ct);
            second = await first.StartAgainAsync(BerthDll, ["--create-on-push"], Ct);
            var final = (await tmux.WaitForAsync("EXIT=", TimeSpan.FromMinutes(3), Ct))[^1];
            TestContext.Current.TestOutputHelper?.WriteLine($"while the registry was down:\n{stalled}\nat the end:\n{final}");

            Assert.InRange(Percent(stalled, "total"), 1, 99);
            Assert.InRange(Percent(stalled, blobs.Single(b => layout.BlobSize(b) > 100 << 20)[..19]), 1, 99);
            Assert.Contains("MiB/", stalled, StringComparison.Ordinal);
            Assert.Contains("EXIT=0", final, StringComparison.Ordinal);
            Assert.Equal(100, Percent(final, "total"));
            foreach (var blob in blobs)
            {
                Assert.Equal(100, Percent(final, blob[..19]));
            }

            Assert.Contains("Copied 3 blob(s)", final, StringComparison.Ordinal);
            Assert.DoesNotContain("Copying blob", final, StringComparison.Ordinal);
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

    [Fact]
    public async Task ThroughAPipe_ProgressIsPlainLines()
    {
        var (source, blobs) = await LayoutAsync();

        var result = await ProcessRunner.RunAsync("dotnet", [BerthDll, "copy", $"oci:{source}:v1", $"oci:{_temp.Combine("dst")}:v1"], cancellationToken: Ct);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain('\u001b', result.StandardError);
        Assert.DoesNotContain('━', result.StandardError);
        foreach (var blob in blobs)
        {
            Assert.Contains($"Copying blob {blob[..19]}", result.StandardError, StringComparison.Ordinal);
            Assert.Contains($"Copied blob {blob[..19]}", result.StandardError, StringComparison.Ordinal);
        }
    }

    // The percentage on the bar row that starts with the label (Spectre's bar characters look alike without colour).
    private static int Percent(string screen, string label)
    {
        var row = screen.Split('\n').FirstOrDefault(l => l.StartsWith(label, StringComparison.Ordinal) && l.Contains('━', StringComparison.Ordinal))
            ?? throw new Xunit.Sdk.XunitException($"no bar for {label} on the screen:\n{screen}");
        var match = System.Text.RegularExpressions.Regex.Match(row, @"━\s+(\d{1,3})%");
        return match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : throw new Xunit.Sdk.XunitException($"no percentage in: {row}");
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("condition not reached");
            }

            await Task.Delay(50, Ct);
        }
    }

    private async Task<(string Directory, IReadOnlyList<string> Blobs)> LayoutAsync()
    {
        var layout = new OciLayoutBuilder(_temp.Combine("src"));
        var image = await layout.AddImageAsync("linux/amd64", [24 << 20, 16 << 20, 8 << 20], seed: 11, Ct);
        layout.Tag(image, "v1");
        var blobs = OciLayoutBuilder.HashBlobs(layout.Directory).Keys.Where(d => d != image.Digest).ToList();
        return (layout.Directory, blobs);
    }
}
