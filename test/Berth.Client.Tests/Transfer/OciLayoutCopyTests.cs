using Berth.Client.Auth;
using Berth.Client.Transfer;
using Berth.Client.Transfer.OciLayout;
using Berth.Protocol.Oci;
using Berth.Testing;

namespace Berth.Client.Tests.Transfer;

public sealed class OciLayoutCopyTests : IDisposable
{
    private readonly TempDirectory _temp = TempDirectory.Create();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task CopiesAMultiArchIndexByteForByteAndKeepsOtherImages()
    {
        var source = await MultiArchLayoutAsync("src", "v1");
        var destinationDirectory = Path.Combine(_temp.Path, "dst");
        var other = new OciLayoutBuilder(destinationDirectory);
        var otherImage = await other.AddImageAsync("linux/amd64", [100], seed: 9, TestContext.Current.CancellationToken);
        other.Tag(otherImage, "other");

        var progress = new RecordingProgress();
        var result = await CopyAsync($"oci:{source.Directory}:v1", $"oci:{destinationDirectory}:v2", progress);

        var sourceBlobs = OciLayoutBuilder.HashBlobs(source.Directory);
        var copiedBlobs = OciLayoutBuilder.HashBlobs(destinationDirectory);
        Assert.All(sourceBlobs, blob => Assert.Equal(blob.Value, copiedBlobs[blob.Key]));
        Assert.All(copiedBlobs, blob => Assert.Equal(blob.Key, blob.Value));
        Assert.Equal(3, result.Manifests);
        Assert.Equal(4, result.BlobsCopied);
        Assert.Equal(OciLayoutBuilder.OciIndex, result.MediaType);

        // index.json names both images; the new one by its tag, pointing at the copied index.
        var reread = OciLayoutSource.Open(new OciLayoutReference("", destinationDirectory, "v2"));
        Assert.Equal(result.Digest, (await reread.GetManifestAsync(null, TestContext.Current.CancellationToken)).Digest);
        Assert.NotNull(OciLayoutSource.Open(new OciLayoutReference("", destinationDirectory, "other")));
        Assert.Equal(4, progress.Completed.Count);
        Assert.All(progress.Completed, blob => Assert.Equal(blob.Size, progress.LastPosition[blob.Digest!]));
    }

    [Fact]
    public async Task ASecondCopySkipsEveryBlob()
    {
        var source = await MultiArchLayoutAsync("src", "v1");
        var target = Path.Combine(_temp.Path, "dst");
        await CopyAsync($"oci:{source.Directory}:v1", $"oci:{target}:v1", new RecordingProgress());

        var progress = new RecordingProgress();
        var again = await CopyAsync($"oci:{source.Directory}:v1", $"oci:{target}:v1", progress);

        Assert.Equal(0, again.BlobsCopied);
        Assert.Equal(4, again.BlobsSkipped);
        Assert.Equal(4, progress.Skipped.Count);
    }

    [Fact]
    public async Task APlatformPicksOneImageFromTheIndex()
    {
        var source = await MultiArchLayoutAsync("src", "v1");
        var target = Path.Combine(_temp.Path, "arm");

        var result = await CopyAsync($"oci:{source.Directory}:v1", $"oci:{target}", new RecordingProgress(), platform: "linux/arm64");

        Assert.Equal(OciLayoutBuilder.OciManifest, result.MediaType);
        Assert.Equal(1, result.Manifests);
        Assert.Equal(2, result.BlobsCopied);
        var missing = await Assert.ThrowsAsync<TransferException>(() => CopyAsync($"oci:{source.Directory}:v1", $"oci:{target}", new RecordingProgress(), platform: "linux/s390x"));
        Assert.Contains("linux/amd64, linux/arm64", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AChildManifestNamedBySha512IsVerifiedInThatAlgorithmAndCopied()
    {
        var source = new OciLayoutBuilder(Path.Combine(_temp.Path, "src"));
        var image = await source.AddImageAsync("linux/amd64", [1000], seed: 5, TestContext.Current.CancellationToken);
        var bytes = await File.ReadAllBytesAsync(source.BlobPath(image.Digest), TestContext.Current.CancellationToken);
        var sha512 = "sha512:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA512.HashData(bytes));
        Directory.CreateDirectory(Path.Combine(source.Directory, "blobs", "sha512"));
        await File.WriteAllBytesAsync(Path.Combine(source.Directory, "blobs", "sha512", sha512["sha512:".Length..]), bytes, TestContext.Current.CancellationToken);
        source.Tag(source.AddIndex(image with { Digest = sha512 }), "v1");
        var target = Path.Combine(_temp.Path, "dst");

        var result = await CopyAsync($"oci:{source.Directory}:v1", $"oci:{target}:v1", new RecordingProgress());

        Assert.Equal(2, result.Manifests);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(Path.Combine(target, "blobs", "sha512", sha512["sha512:".Length..]), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ACorruptBlobIsRefusedAndNeverStoredUnderItsDigest()
    {
        var source = new OciLayoutBuilder(Path.Combine(_temp.Path, "src"));
        var image = await source.AddImageAsync("linux/amd64", [50_000], seed: 3, TestContext.Current.CancellationToken);
        source.Tag(image, "v1");
        var manifest = await OciLayoutSource.Open(new OciLayoutReference("", source.Directory, "v1")).GetManifestAsync(null, TestContext.Current.CancellationToken);
        var layer = manifest.Parse().Layers![0];
        var bytes = await File.ReadAllBytesAsync(source.BlobPath(layer.Digest!), TestContext.Current.CancellationToken);
        bytes[^10] ^= 0xff;
        await File.WriteAllBytesAsync(source.BlobPath(layer.Digest!), bytes, TestContext.Current.CancellationToken);
        var target = Path.Combine(_temp.Path, "dst");

        var failure = await Assert.ThrowsAsync<TransferException>(() => CopyAsync($"oci:{source.Directory}:v1", $"oci:{target}:v1", new RecordingProgress()));

        Assert.Contains(layer.Digest!, failure.Message, StringComparison.Ordinal);
        Assert.Contains("failed verification", failure.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(target, "blobs", "sha256", layer.Digest!["sha256:".Length..])));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(target, "blobs", "sha256"), "*.partial"));
        Assert.False(File.Exists(Path.Combine(target, "index.json")));
    }

    [Theory]
    [InlineData("oci:", "needs a directory")]
    [InlineData("app:v1", "name the registry host")]
    [InlineData("127.0.0.1:5000/Team/App", "not a valid repository name")]
    [InlineData("127.0.0.1:5000/team/app:bad tag", "not a valid tag")]
    [InlineData("ftp://x/y", "unknown transport")]
    public void BadReferencesSayWhy(string text, string expected)
    {
        Assert.False(ImageReference.TryParse(text, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:5000/team/app:v1", "127.0.0.1:5000", "team/app", "v1", null)]
    [InlineData("docker://localhost/app@sha256:0123456789012345678901234567890123456789012345678901234567890123", "localhost", "app", null, "sha256:0123456789012345678901234567890123456789012345678901234567890123")]
    [InlineData("registry.example.com/a/b/c", "registry.example.com", "a/b/c", null, null)]
    public void RegistryReferencesParse(string text, string host, string repository, string? tag, string? digest)
    {
        Assert.True(ImageReference.TryParse(text, out var reference, out var error), error);
        var registry = Assert.IsType<RegistryImageReference>(reference);
        Assert.Equal((host, repository, tag, digest), (registry.Host, registry.Repository, registry.Tag, registry.Digest));
    }

    [Fact]
    public void OciReferencesSplitTheTagFromThePath()
    {
        Assert.True(ImageReference.TryParse("oci:/tmp/a:b/layout:v2", out var reference, out _));
        Assert.Equal(("/tmp/a:b/layout", "v2"), (((OciLayoutReference)reference).Directory, ((OciLayoutReference)reference).Tag));
        Assert.True(ImageReference.TryParse("oci:/tmp/a:b/layout", out reference, out _));
        Assert.Equal(("/tmp/a:b/layout", (string?)null), (((OciLayoutReference)reference).Directory, ((OciLayoutReference)reference).Tag));
    }

    private async Task<OciLayoutBuilder> MultiArchLayoutAsync(string name, string tag)
    {
        var builder = new OciLayoutBuilder(Path.Combine(_temp.Path, name));
        var amd64 = await builder.AddImageAsync("linux/amd64", [200_000], seed: 1, TestContext.Current.CancellationToken);
        var arm64 = await builder.AddImageAsync("linux/arm64", [150_000], seed: 2, TestContext.Current.CancellationToken);
        builder.Tag(builder.AddIndex(amd64, arm64), tag);
        return builder;
    }

    private async Task<CopyResult> CopyAsync(string from, string to, RecordingProgress progress, string? platform = null)
    {
        Assert.True(ImageReference.TryParse(from, out var source, out var error), error);
        Assert.True(ImageReference.TryParse(to, out var destination, out error), error);
        var options = new TransferOptions
        {
            AuthFiles = AuthFileLocations.Resolve(Path.Combine(_temp.Path, "auth.json"), _ => null, () => 0),
            Platform = platform,
        };
        await using var reader = await TransferEndpoints.OpenSourceAsync(source, options, TestContext.Current.CancellationToken);
        await using var writer = await TransferEndpoints.OpenDestinationAsync(destination, options, TestContext.Current.CancellationToken);
        return await new ImageCopier(options, progress).CopyAsync(reader, writer, TestContext.Current.CancellationToken);
    }
}

internal sealed class RecordingProgress : ITransferProgress
{
    public System.Collections.Concurrent.ConcurrentDictionary<string, long> LastPosition { get; } = new();

    public System.Collections.Concurrent.ConcurrentBag<Descriptor> Completed { get; } = [];

    public System.Collections.Concurrent.ConcurrentBag<(Descriptor Blob, BlobPresence Presence)> Skipped { get; } = [];

    public void BlobQueued(Descriptor blob)
    {
    }

    public void BlobPosition(Descriptor blob, long position) => LastPosition[blob.Digest!] = position;

    public void BlobSkipped(Descriptor blob, BlobPresence presence) => Skipped.Add((blob, presence));

    public void BlobCompleted(Descriptor blob) => Completed.Add(blob);

    public void ManifestWritten(ManifestContent manifest, bool isRoot)
    {
    }
}
