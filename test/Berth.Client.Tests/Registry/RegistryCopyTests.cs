using Berth.Client.Registry;
using Berth.Client.Tests.Transfer;
using Berth.Client.Transfer;
using Berth.Client.Transfer.OciLayout;
using Berth.Testing;
using static Berth.Client.Tests.Registry.RegistryTransferTestKit;

namespace Berth.Client.Tests.Registry;

/// <summary>The registry source and destination under <see cref="ImageCopier"/>: an OCI layout pushed to Berth,
/// copied between repositories (mounted), and pulled back into a layout byte for byte.</summary>
public sealed class RegistryCopyTests(CreateOnPushServerFixture fixture) : IClassFixture<CreateOnPushServerFixture>, IDisposable
{
    private readonly TempDirectory _work = TempDirectory.Create("berth-xfer-copy-");

    private BerthTestServer Server => fixture.Server;

    [Fact]
    public async Task LayoutToRegistry_RegistryToRegistry_RegistryToLayout_KeepsEveryByte()
    {
        var options = Options(_work, Server.Host, await Server.IssuePasswordAsync(Ct)) with { ChunkSize = 64 * 1024 };
        var layout = new OciLayoutBuilder(_work.Combine("src"));
        var amd64 = await layout.AddImageAsync("linux/amd64", [300_000, 1000], seed: 1, Ct);
        var arm64 = await layout.AddImageAsync("linux/arm64", [150_000], seed: 2, Ct);
        var index = layout.AddIndex(amd64, arm64);
        layout.Tag(index, "v1");

        // Push: every blob uploaded (in several chunks), the index under its tag.
        var push = new RecordingProgress();
        CopyResult pushed;
        await using (var source = OciLayoutSource.Open(new OciLayoutReference("", layout.Directory, "v1")))
        await using (var destination = await RegistryImageDestination.OpenAsync(Reference($"{Server.Host}/copy/a:v1"), options, Ct))
        {
            pushed = await new ImageCopier(options, push).CopyAsync(source, destination, Ct);
        }

        Assert.Equal(index.Digest, pushed.Digest);
        Assert.Equal(3, pushed.Manifests);
        Assert.Equal(5, pushed.BlobsCopied);
        Assert.All(push.Completed, blob => Assert.Equal(blob.Size, push.LastPosition[blob.Digest!]));

        // Copy to another repository on the same registry: nothing is uploaded, every blob is mounted.
        var copy = new RecordingProgress();
        CopyResult copied;
        await using (var source = await RegistryImageSource.OpenAsync(Reference($"{Server.Host}/copy/a:v1"), options, Ct))
        await using (var destination = await RegistryImageDestination.OpenAsync(Reference($"{Server.Host}/copy/b:v2"), options, Ct))
        {
            copied = await new ImageCopier(options, copy).CopyAsync(source, destination, Ct);
        }

        Assert.Equal(index.Digest, copied.Digest);
        Assert.Equal(0, copied.BlobsCopied);
        Assert.Equal(5, copied.BlobsSkipped);
        Assert.All(copy.Skipped, s => Assert.Equal(BlobPresence.Mounted, s.Presence));

        // Pull from the copy into a new layout: the same blobs, byte for byte.
        var pulledDirectory = _work.Combine("pulled");
        await using (var source = await RegistryImageSource.OpenAsync(Reference($"{Server.Host}/copy/b:v2"), options, Ct))
        await using (var destination = OciLayoutDestination.Create(new OciLayoutReference("", pulledDirectory, "v2")))
        {
            var pulled = await new ImageCopier(options, new RecordingProgress()).CopyAsync(source, destination, Ct);
            Assert.Equal(index.Digest, pulled.Digest);
        }

        var original = OciLayoutBuilder.HashBlobs(layout.Directory);
        var roundTripped = OciLayoutBuilder.HashBlobs(pulledDirectory);
        Assert.Equal(original.OrderBy(p => p.Key), roundTripped.OrderBy(p => p.Key));
    }

    public void Dispose() => _work.Dispose();
}
