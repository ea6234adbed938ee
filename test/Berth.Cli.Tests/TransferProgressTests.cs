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
    public async Task InATerminal_EachBlobAndTheTotalGetABar()
    {
        var (source, blobs) = await LayoutAsync();
        var command = $"dotnet '{BerthDll}' copy --jobs 2 'oci:{source}:v1' 'oci:{_temp.Combine("dst")}:v1'; echo EXIT=$?; sleep 60";

        await using var tmux = await Tmux.StartAsync(_temp.Path, command, cancellationToken: Ct);
        var screens = await tmux.WaitForAsync("EXIT=", TimeSpan.FromMinutes(2), Ct);

        var final = screens[^1];
        Assert.Contains("EXIT=0", final, StringComparison.Ordinal);
        var barLines = final.Split('\n').Where(l => l.Contains('━', StringComparison.Ordinal)).ToList();
        Assert.Contains(barLines, l => l.StartsWith("total", StringComparison.Ordinal) && l.Contains("100%", StringComparison.Ordinal));
        foreach (var blob in blobs)
        {
            Assert.Contains(barLines, l => l.StartsWith(blob[..19], StringComparison.Ordinal) && l.Contains("100%", StringComparison.Ordinal));
        }

        Assert.Contains("Copied 4 blob(s)", final, StringComparison.Ordinal);
        Assert.DoesNotContain("Copying blob", final, StringComparison.Ordinal);
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

    private async Task<(string Directory, IReadOnlyList<string> Blobs)> LayoutAsync()
    {
        var layout = new OciLayoutBuilder(_temp.Combine("src"));
        var image = await layout.AddImageAsync("linux/amd64", [24 << 20, 16 << 20, 8 << 20], seed: 11, Ct);
        layout.Tag(image, "v1");
        var blobs = OciLayoutBuilder.HashBlobs(layout.Directory).Keys.Where(d => d != image.Digest).ToList();
        return (layout.Directory, blobs);
    }
}
