using Berth.Testing;

namespace Berth.Cli.Tests;

/// <summary><c>berth push</c>, <c>pull</c> and <c>copy</c> between local formats and their one-line errors.</summary>
public sealed class TransferCommandTests : IDisposable
{
    private readonly TempDirectory _temp = TempDirectory.Create("berth-transfer-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Copy_BetweenLayouts_PrintsTheDigestOnStdoutAndPlainLinesOnStderr()
    {
        var source = new OciLayoutBuilder(_temp.Combine("src"));
        var image = await source.AddImageAsync("linux/amd64", [300_000, 1000], seed: 4, Ct);
        source.Tag(image, "v1");

        var result = await RunAsync(["copy", $"oci:{source.Directory}:v1", $"oci:{_temp.Combine("dst")}:v1"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(image.Digest, result.Output.Trim());
        Assert.DoesNotContain('\u001b', result.Error);
        Assert.Equal(3, result.Error.Split('\n').Count(l => l.StartsWith("Copied blob sha256:", StringComparison.Ordinal)));
        Assert.Contains($"Wrote manifest {image.Digest}", result.Error, StringComparison.Ordinal);
        Assert.Contains("Copied 3 blob(s)", result.Error, StringComparison.Ordinal);
        Assert.Equal(OciLayoutBuilder.HashBlobs(source.Directory), OciLayoutBuilder.HashBlobs(_temp.Combine("dst")));
    }

    [Fact]
    public async Task Copy_IndexToDockerArchive_TakesOnePlatform_AndTheArchiveCopiesBack()
    {
        var source = new OciLayoutBuilder(_temp.Combine("src"));
        var amd64 = await source.AddImageAsync("linux/amd64", [20_000], seed: 7, Ct);
        var arm64 = await source.AddImageAsync("linux/arm64", [30_000, 500], seed: 8, Ct);
        source.Tag(source.AddIndex(amd64, arm64), "v1");
        var archive = _temp.Combine("app.tar");

        var toArchive = await RunAsync(["copy", "--platform", "linux/arm64", $"oci:{source.Directory}:v1", $"docker-archive:{archive}:team/app:v1"]);
        var back = await RunAsync(["copy", $"docker-archive:{archive}", $"oci:{_temp.Combine("back")}:v1"]);
        var noSuchPlatform = await RunAsync(["copy", "--platform", "linux/riscv64", $"oci:{source.Directory}:v1", $"docker-archive:{_temp.Combine("none.tar")}"]);

        Assert.True(toArchive.ExitCode == 0, toArchive.ToString());
        Assert.Equal(arm64.Digest, toArchive.Output.Trim());
        Assert.True(back.ExitCode == 0, back.ToString());
        var original = OciLayoutBuilder.HashBlobs(source.Directory);
        var copied = OciLayoutBuilder.HashBlobs(_temp.Combine("back"));
        Assert.Equal(4, copied.Count);
        // Same config and layer bytes; the manifest the archive source writes is compact JSON in OCI order, as ours was.
        Assert.All(copied, blob => Assert.Equal(original[blob.Key], blob.Value));
        Assert.Equal(arm64.Digest, back.Output.Trim());
        Assert.Equal(1, noSuchPlatform.ExitCode);
        Assert.Contains("has no image for linux/riscv64", noSuchPlatform.Error, StringComparison.Ordinal);
        Assert.Contains("holds a single image", noSuchPlatform.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(_temp.Combine("none.tar")));
    }

    [Fact]
    public async Task Copy_Quiet_PrintsOnlyTheDigest()
    {
        var source = new OciLayoutBuilder(_temp.Combine("src"));
        var image = await source.AddImageAsync("linux/amd64", [1000], seed: 5, Ct);
        source.Tag(image, "v1");

        var result = await RunAsync(["copy", "-q", $"oci:{source.Directory}", $"oci:{_temp.Combine("dst")}"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(image.Digest + "\n", result.Output.ReplaceLineEndings("\n"));
        Assert.Empty(result.Error);
    }

    [Theory]
    [InlineData(new[] { "push", "127.0.0.1:5000/team/app", "127.0.0.1:5000/team/other" }, "push copies from a local image")]
    [InlineData(new[] { "push", "oci:/x", "oci:/y" }, "push copies to a registry")]
    [InlineData(new[] { "pull", "oci:/x", "oci:/y" }, "pull copies from a registry")]
    [InlineData(new[] { "pull", "127.0.0.1:5000/team/app", "127.0.0.1:5000/team/other" }, "pull copies to a local image")]
    [InlineData(new[] { "copy", "app:v1", "oci:/y" }, "name the registry host")]
    [InlineData(new[] { "copy", "oci:/x", "oci:/y", "--chunk-size", "12 parsecs" }, "invalid --chunk-size")]
    [InlineData(new[] { "copy", "oci:/x", "oci:/y", "--jobs", "0" }, "--jobs must be between 1 and 64")]
    public async Task WrongArguments_AreOneLineUsageErrors(string[] arguments, string expected)
    {
        var result = await RunAsync(arguments);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("Error: ", result.Error, StringComparison.Ordinal);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task AMissingLayoutOrTag_IsAOneLineFailure()
    {
        var source = new OciLayoutBuilder(_temp.Combine("src"));
        source.Tag(await source.AddImageAsync("linux/amd64", [10], seed: 6, Ct), "v1");

        var missing = await RunAsync(["copy", $"oci:{_temp.Combine("nowhere")}", $"oci:{_temp.Combine("dst")}"]);
        var wrongTag = await RunAsync(["copy", $"oci:{source.Directory}:v9", $"oci:{_temp.Combine("dst")}"]);

        Assert.Equal(1, missing.ExitCode);
        Assert.Equal($"Error: {_temp.Combine("nowhere")} is not an OCI image layout (no oci-layout and index.json)\n", missing.Error.ReplaceLineEndings("\n"));
        Assert.Equal(1, wrongTag.ExitCode);
        Assert.Contains("no image tagged \"v9\"", wrongTag.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_temp.Combine("dst", "blobs")) && Directory.EnumerateFiles(_temp.Combine("dst", "blobs"), "*", SearchOption.AllDirectories).Any());
    }

    private Task<CliResult> RunAsync(string[] arguments) =>
        new CliRunner(new Dictionary<string, string?> { ["HOME"] = _temp.Path, ["XDG_RUNTIME_DIR"] = _temp.Combine("run") }).RunAsync(arguments, cancellationToken: Ct);
}
