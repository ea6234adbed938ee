using System.Text.Json;
using Berth.Client.Transfer;
using Berth.Client.Transfer.DockerArchive;
using Berth.Testing;
using Berth.Testing.Podman;

namespace Berth.Client.Tests.Transfer;

/// <summary>Archives checked against the real skopeo, run in the podman sandbox (private policy, storage and caches).</summary>
public sealed class DockerArchiveSkopeoTests
{
    private const string Tag = "example.com/team/app:v1";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ArchiveTestImage SampleImage() => new(
        ("etc/hello", "hello from the base layer\n", true),
        ("etc/plain", "an uncompressed layer\n", false),
        ("usr/share/doc", "the top layer\n", true));

    [Fact]
    public async Task Skopeo_ReadsAnArchiveWeWrote_WithCompressedLayersStoredAsReceived()
    {
        RealClients.Require("skopeo");
        using var sandbox = await PodmanSandbox.CreateAsync(Ct);
        var path = Path.Combine(sandbox.WorkDirectory, "written.tar");
        var image = SampleImage();
        await using (var destination = DockerArchiveDestination.Create(new DockerArchiveReference($"docker-archive:{path}:{Tag}", path, Tag)))
        {
            await image.CopyToAsync(destination, Ct);
        }

        // skopeo names docker-archive layers by diff ID, so it must have decompressed the gzip layers to read them.
        var inspect = await sandbox.RunSkopeoAsync(["inspect", $"docker-archive:{path}"], cancellationToken: Ct);
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        using (var json = JsonDocument.Parse(inspect.StandardOutput))
        {
            Assert.Equal(image.DiffIds, json.RootElement.GetProperty("Layers").EnumerateArray().Select(l => l.GetString()));
            Assert.Equal("amd64", json.RootElement.GetProperty("Architecture").GetString());
        }

        // skopeo 1.9 prints no RepoTags for this transport; selecting by the tag shows it is recorded.
        var tagged = await sandbox.RunSkopeoAsync(["inspect", "--config", $"docker-archive:{path}:{Tag}"], cancellationToken: Ct);
        Assert.True(tagged.ExitCode == 0, tagged.ToString());
        using (var taggedConfig = JsonDocument.Parse(tagged.StandardOutput))
        {
            Assert.Equal(image.DiffIds, taggedConfig.RootElement.GetProperty("rootfs").GetProperty("diff_ids").EnumerateArray().Select(d => d.GetString()));
        }

        var other = await sandbox.RunSkopeoAsync(["inspect", $"docker-archive:{path}:example.com/team/app:v2"], cancellationToken: Ct);
        Assert.NotEqual(0, other.ExitCode);
        Assert.Contains("not found", other.StandardError, StringComparison.Ordinal);

        var layout = Path.Combine(sandbox.WorkDirectory, "layout");
        var copy = await sandbox.RunSkopeoAsync(["copy", "--tmpdir", TempDir(sandbox), $"docker-archive:{path}", $"oci:{layout}:v1"], cancellationToken: Ct);
        Assert.True(copy.ExitCode == 0, copy.ToString());
        using var index = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(layout, "index.json")));
        var manifestDigest = index.RootElement.GetProperty("manifests")[0].GetProperty("digest").GetString()!;
        var manifest = ManifestContent.From(ReadLayoutBlob(layout, manifestDigest), Protocol.MediaTypes.OciManifest).Parse();
        var copied = manifest.Layers!.Select(l => ReadLayoutBlob(layout, l.Digest!))
            .Select(bytes => bytes[0] == 0x1f && bytes[1] == 0x8b ? ArchiveTestImage.Gunzip(bytes) : bytes)
            .ToList();
        Assert.Equal(image.UncompressedLayers, copied);
        using var config = JsonDocument.Parse(ReadLayoutBlob(layout, manifest.Config!.Digest!));
        Assert.Equal(image.DiffIds, config.RootElement.GetProperty("rootfs").GetProperty("diff_ids").EnumerateArray().Select(d => d.GetString()));
    }

    [Fact]
    public async Task Skopeo_WritesAnArchive_DockerArchiveSourceReadsItsLayers()
    {
        RealClients.Require("skopeo");
        using var sandbox = await PodmanSandbox.CreateAsync(Ct);
        var layout = Path.Combine(sandbox.WorkDirectory, "source");
        var image = SampleImage();
        image.WriteOciLayout(layout, "v1");
        var path = Path.Combine(sandbox.WorkDirectory, "from-skopeo.tar");
        var copy = await sandbox.RunSkopeoAsync(["copy", "--tmpdir", TempDir(sandbox), $"oci:{layout}:v1", $"docker-archive:{path}:{Tag}"], cancellationToken: Ct);
        Assert.True(copy.ExitCode == 0, copy.ToString());

        await using var source = DockerArchiveSource.Open(new DockerArchiveReference($"docker-archive:{path}:{Tag}", path, Tag));
        Assert.Equal([Tag], source.RepoTags);
        var manifest = (await source.GetManifestAsync(null, Ct)).Parse();

        // skopeo stores layers uncompressed, so each layer's digest is its diff ID and its type a plain tar.
        Assert.Equal(image.DiffIds, manifest.Layers!.Select(l => l.Digest));
        Assert.All(manifest.Layers!, l => Assert.Equal("application/vnd.oci.image.layer.v1.tar", l.MediaType));
        for (var i = 0; i < manifest.Layers!.Count; i++)
        {
            await using var stream = await source.OpenBlobAsync(manifest.Layers[i], 0, Ct);
            Assert.Equal(image.UncompressedLayers[i], await DockerArchiveTests.ReadAllAsync(stream));
        }

        await using var configStream = await source.OpenBlobAsync(manifest.Config!, 0, Ct);
        using var config = JsonDocument.Parse(await DockerArchiveTests.ReadAllAsync(configStream));
        Assert.Equal(image.DiffIds, config.RootElement.GetProperty("rootfs").GetProperty("diff_ids").EnumerateArray().Select(d => d.GetString()));

        // Unnamed works too: the archive holds one image.
        await using var unnamed = DockerArchiveSource.Open(new DockerArchiveReference($"docker-archive:{path}", path, null));
        Assert.Equal((await source.GetManifestAsync(null, Ct)).Digest, (await unnamed.GetManifestAsync(null, Ct)).Digest);
    }

    // skopeo 1.9 puts a streamed blob's scratch file in /var/tmp unless told otherwise (seen with strace); the
    // sandbox's TMPDIR does not move it.
    private static string TempDir(PodmanSandbox sandbox) => Directory.CreateDirectory(Path.Combine(sandbox.WorkDirectory, "skopeo-tmp")).FullName;

    private static byte[] ReadLayoutBlob(string layout, string digest) =>
        File.ReadAllBytes(Path.Combine(layout, "blobs", "sha256", digest["sha256:".Length..]));
}
