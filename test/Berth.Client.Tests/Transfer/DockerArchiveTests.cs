using System.Formats.Tar;
using System.Text;
using System.Text.Json;
using Berth.Client.Transfer;
using Berth.Client.Transfer.DockerArchive;
using Berth.Protocol;
using Berth.Protocol.Oci;
using Berth.Testing;

namespace Berth.Client.Tests.Transfer;

public sealed class DockerArchiveTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ArchiveTestImage SampleImage() => new(
        ("etc/hello", "hello from the base layer\n", true),
        ("etc/plain", "an uncompressed layer\n", false),
        ("usr/share/doc", Convert.ToHexString(new Random(42).GetItems<byte>(Enumerable.Range(0, 256).Select(i => (byte)i).ToArray(), 20_000)), true));

    private static DockerArchiveReference Reference(string path, string? name = null) =>
        new($"docker-archive:{path}{(name is null ? "" : ":" + name)}", path, name);

    [Fact]
    public async Task RoundTrip_DestinationThenSource_BlobsAreByteIdenticalAndConfigDigestKept()
    {
        using var temp = TempDirectory.Create();
        var path = temp.Combine("image.tar");
        var image = SampleImage();
        await using (var destination = DockerArchiveDestination.Create(Reference(path, "example.com/team/app:v1")))
        {
            await image.CopyToAsync(destination, Ct);
        }

        // A plain tar holding exactly the files docker load expects.
        var names = ReadTarNames(path);
        string[] expected = [.. image.Layers.Select(l => l.Digest![7..] + ".tar"), image.Config.Digest![7..] + ".json", "manifest.json", "repositories"];
        Assert.Equal(expected.Order(StringComparer.Ordinal), names.Order(StringComparer.Ordinal));
        Assert.Single(Directory.GetFiles(temp.Path));

        await using var source = DockerArchiveSource.Open(Reference(path, "example.com/team/app:v1"));
        Assert.Null(source.Location);
        Assert.Equal(["example.com/team/app:v1"], source.RepoTags);
        var manifest = await source.GetManifestAsync(null, Ct);
        Assert.Equal(MediaTypes.OciManifest, manifest.MediaType);
        var document = manifest.Parse();
        Assert.Equal(image.Config.Digest, document.Config!.Digest);
        Assert.Equal(image.Config.Size, document.Config.Size);
        Assert.Equal("application/vnd.oci.image.config.v1+json", document.Config.MediaType);
        Assert.Equal(image.Layers.Select(l => (l.MediaType, l.Digest, l.Size)), document.Layers!.Select(l => (l.MediaType, l.Digest, l.Size)));

        foreach (var blob in image.Blobs)
        {
            await using var stream = await source.OpenBlobAsync(blob, 0, Ct);
            Assert.Equal(image.Bytes(blob), await ReadAllAsync(stream));
        }

        // A resumed read starts mid-blob and the stream can seek inside the blob only.
        var top = image.Layers[^1];
        await using (var resumed = await source.OpenBlobAsync(top, 1000, Ct))
        {
            Assert.True(resumed.CanSeek);
            Assert.Equal(top.Size, resumed.Length);
            Assert.Equal(image.Bytes(top)[1000..], await ReadAllAsync(resumed));
            resumed.Position = top.Size - 3;
            Assert.Equal(image.Bytes(top)[^3..], await ReadAllAsync(resumed));
        }

        // The same archive always yields the same manifest digest.
        await using var again = DockerArchiveSource.Open(Reference(path));
        Assert.Equal(manifest.Digest, (await again.GetManifestAsync(null, Ct)).Digest);
        Assert.Equal(manifest.Bytes, (await again.GetManifestAsync(manifest.Digest, Ct)).Bytes);
        await Assert.ThrowsAsync<TransferException>(() => again.GetManifestAsync(image.Config.Digest, Ct));
        await Assert.ThrowsAsync<TransferException>(() => again.OpenBlobAsync(new Descriptor(null, Digest.Sha256("x"u8).ToString(), 1), 0, Ct));
    }

    [Fact]
    public async Task Destination_ManifestJsonAndRepositories_NameTagAndLayerOrder()
    {
        using var temp = TempDirectory.Create();
        var path = temp.Combine("image.tar");
        var image = SampleImage();
        await using (var destination = DockerArchiveDestination.Create(Reference(path, "team/app")))
        {
            Assert.False(destination.SupportsIndex);
            await image.CopyToAsync(destination, Ct);
        }

        var files = ReadTarFiles(path);
        using var manifest = JsonDocument.Parse(files["manifest.json"]);
        var entry = Assert.Single(manifest.RootElement.EnumerateArray());
        Assert.Equal(image.Config.Digest![7..] + ".json", entry.GetProperty("Config").GetString());
        Assert.Equal(["team/app:latest"], entry.GetProperty("RepoTags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(image.Layers.Select(l => l.Digest![7..] + ".tar"), entry.GetProperty("Layers").EnumerateArray().Select(t => t.GetString()));
        using var repositories = JsonDocument.Parse(files["repositories"]);
        Assert.Equal(image.Layers[^1].Digest![7..], repositories.RootElement.GetProperty("team/app").GetProperty("latest").GetString());

        // Stored as received: the gzip layer is still gzip, the config is byte-identical.
        Assert.Equal(image.Bytes(image.Layers[0]), files[image.Layers[0].Digest![7..] + ".tar"]);
        Assert.Equal(image.Bytes(image.Config), files[image.Config.Digest![7..] + ".json"]);
    }

    [Fact]
    public async Task Destination_NoName_EmptyRepoTagsAndNoRepositoriesFile()
    {
        using var temp = TempDirectory.Create();
        var path = temp.Combine("image.tar");
        await using (var destination = DockerArchiveDestination.Create(Reference(path)))
        {
            await SampleImage().CopyToAsync(destination, Ct);
        }

        var files = ReadTarFiles(path);
        Assert.False(files.ContainsKey("repositories"));
        using var manifest = JsonDocument.Parse(files["manifest.json"]);
        Assert.Equal(0, manifest.RootElement[0].GetProperty("RepoTags").GetArrayLength());
    }

    [Fact]
    public async Task Destination_DigestMismatch_IsRefusedAndLeavesNoFile()
    {
        using var temp = TempDirectory.Create();
        var path = temp.Combine("image.tar");
        var image = SampleImage();
        var layer = image.Layers[0];
        var tampered = image.Bytes(layer).ToArray();
        tampered[^1] ^= 0xff;

        await using (var destination = DockerArchiveDestination.Create(Reference(path, "app:v1")))
        {
            var error = await Assert.ThrowsAsync<TransferException>(() =>
                destination.PutBlobAsync(layer, ArchiveTestImage.Opener(tampered), _ => { }, Ct));
            Assert.Contains(layer.Digest!, error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', error.Message);
            Assert.Equal(BlobPresence.Missing, await destination.PrepareBlobAsync(layer, null, Ct));
            Assert.False(File.Exists(path));
        }

        Assert.Empty(Directory.GetFileSystemEntries(temp.Path));
    }

    [Fact]
    public async Task Destination_TooManyOrTooFewBytes_AreRefused()
    {
        using var temp = TempDirectory.Create();
        var image = SampleImage();
        var layer = image.Layers[0];
        await using var destination = DockerArchiveDestination.Create(Reference(temp.Combine("image.tar")));
        await Assert.ThrowsAsync<TransferException>(() =>
            destination.PutBlobAsync(layer, ArchiveTestImage.Opener([.. image.Bytes(layer), 0]), _ => { }, Ct));
        await Assert.ThrowsAsync<TransferException>(() =>
            destination.PutBlobAsync(layer, ArchiveTestImage.Opener(image.Bytes(layer)[..^1]), _ => { }, Ct));
    }

    [Fact]
    public async Task Destination_AfterARefusedBlob_TheArchiveStillHoldsOnlyVerifiedEntries()
    {
        using var temp = TempDirectory.Create();
        var path = temp.Combine("image.tar");
        var image = SampleImage();
        var layer = image.Layers[2];
        var tampered = image.Bytes(layer).ToArray();
        tampered[tampered.Length / 2] ^= 0x01;

        await using (var destination = DockerArchiveDestination.Create(Reference(path, "app:v1")))
        {
            await Assert.ThrowsAsync<TransferException>(() =>
                destination.PutBlobAsync(layer, ArchiveTestImage.Opener(tampered), _ => { }, Ct));
            await image.CopyToAsync(destination, Ct);
        }

        var names = ReadTarNames(path);
        Assert.Equal(names.Count, names.Distinct().Count());
        await using var source = DockerArchiveSource.Open(Reference(path));
        await using var stream = await source.OpenBlobAsync(layer, 0, Ct);
        Assert.Equal(image.Bytes(layer), await ReadAllAsync(stream));
    }

    [Fact]
    public async Task Destination_SourceBreaksOff_ReopensAtTheBytesWrittenAndReportsPositions()
    {
        using var temp = TempDirectory.Create();
        var path = temp.Combine("image.tar");
        var image = SampleImage();
        var layer = image.Layers[2];
        var bytes = image.Bytes(layer);
        var offsets = new List<long>();
        var positions = new List<long>();
        await using (var destination = DockerArchiveDestination.Create(Reference(path)))
        {
            await destination.PutBlobAsync(
                layer,
                (offset, _) =>
                {
                    offsets.Add(offset);
                    Stream stream = new MemoryStream(bytes, (int)offset, bytes.Length - (int)offset, writable: false);
                    return Task.FromResult(offsets.Count == 1 ? new BreakingStream(stream, 100) : stream);
                },
                positions.Add,
                Ct);
            Assert.Equal(BlobPresence.Exists, await destination.PrepareBlobAsync(layer, null, Ct));
        }

        Assert.Equal([0L, 100L], offsets);
        Assert.Equal(layer.Size, positions[^1]);
        Assert.Contains(100L, positions);
    }

    [Fact]
    public async Task Destination_Index_ChildManifestAndUnknownBlob_AreRefused()
    {
        using var temp = TempDirectory.Create();
        var path = temp.Combine("image.tar");
        var image = SampleImage();
        await using (var destination = DockerArchiveDestination.Create(Reference(path)))
        {
            var index = ManifestContent.From(
                Encoding.UTF8.GetBytes($$"""{"schemaVersion":2,"mediaType":"{{MediaTypes.OciIndex}}","manifests":[]}"""), MediaTypes.OciIndex);
            await Assert.ThrowsAsync<TransferException>(() => destination.PutManifestAsync(index, isRoot: true, Ct));
            await Assert.ThrowsAsync<TransferException>(() => destination.PutManifestAsync(image.Manifest, isRoot: false, Ct));

            // The manifest names blobs that were never written: no archive appears.
            await destination.PutManifestAsync(image.Manifest, isRoot: true, Ct);
            await Assert.ThrowsAsync<TransferException>(() => destination.CommitAsync(Ct));
        }

        Assert.Empty(Directory.GetFileSystemEntries(temp.Path));
        Assert.Throws<TransferException>(() => DockerArchiveDestination.Create(Reference(path, "Upper/Case:v1")));
        Assert.Throws<TransferException>(() => DockerArchiveDestination.Create(Reference(path, "app@sha256:" + new string('0', 64))));
        Assert.Throws<TransferException>(() => DockerArchiveDestination.Create(Reference(temp.Combine("missing", "image.tar"))));
    }

    [Fact]
    public async Task Destination_DockerV2Manifest_IsAccepted()
    {
        using var temp = TempDirectory.Create();
        var path = temp.Combine("image.tar");
        var image = SampleImage();
        var docker = ManifestContent.From(
            Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(image.Manifest.Bytes).Replace(MediaTypes.OciManifest, MediaTypes.DockerManifest, StringComparison.Ordinal)),
            MediaTypes.DockerManifest);
        await using (var destination = DockerArchiveDestination.Create(Reference(path)))
        {
            foreach (var blob in image.Blobs)
            {
                await destination.PutBlobAsync(blob, ArchiveTestImage.Opener(image.Bytes(blob)), _ => { }, Ct);
            }

            await destination.PutManifestAsync(docker, isRoot: true, Ct);
            await destination.CommitAsync(Ct);
        }

        await using var source = DockerArchiveSource.Open(Reference(path));
        Assert.Equal(image.Layers.Select(l => l.Digest), (await source.GetManifestAsync(null, Ct)).Parse().Layers!.Select(l => l.Digest));
    }

    [Fact]
    public async Task Source_SeveralImages_NeedsANameAndSelectsByRepoTag()
    {
        using var temp = TempDirectory.Create();
        var path = temp.Combine("multi.tar");
        var first = ArchiveTestImage.Tar("a", "first");
        var second = ArchiveTestImage.Tar("b", "second");
        WriteTar(path, [
            ("config1.json", "{\"rootfs\":{}}"u8.ToArray()),
            ("config2.json", "{\"rootfs\":{\"x\":1}}"u8.ToArray()),
            ("l1/layer.tar", first),
            ("l2/layer.tar", second),
            ("manifest.json", """
                [{"Config":"config1.json","RepoTags":["docker.io/library/busybox:1"],"Layers":["l1/layer.tar"]},
                 {"Config":"./config2.json","RepoTags":["other/app:2"],"Layers":["l1/layer.tar","./l2/layer.tar"]}]
                """u8.ToArray()),
        ]);

        var error = Assert.Throws<TransferException>(() => DockerArchiveSource.Open(Reference(path)));
        Assert.Contains("busybox:1", error.Message, StringComparison.Ordinal);
        Assert.Contains("other/app:2", error.Message, StringComparison.Ordinal);
        Assert.Throws<TransferException>(() => DockerArchiveSource.Open(Reference(path, "nope:1")));

        await using (var busybox = DockerArchiveSource.Open(Reference(path, "busybox:1")))
        {
            var layers = (await busybox.GetManifestAsync(null, Ct)).Parse().Layers!;
            Assert.Equal([Digest.Sha256(first).ToString()], layers.Select(l => l.Digest));
        }

        await using var other = DockerArchiveSource.Open(Reference(path, "@1"));
        var manifest = (await other.GetManifestAsync(null, Ct)).Parse();
        Assert.Equal(Digest.Sha256("{\"rootfs\":{\"x\":1}}"u8).ToString(), manifest.Config!.Digest);
        Assert.Equal([Digest.Sha256(first).ToString(), Digest.Sha256(second).ToString()], manifest.Layers!.Select(l => l.Digest));
        Assert.All(manifest.Layers!, l => Assert.Equal("application/vnd.oci.image.layer.v1.tar", l.MediaType));
    }

    [Fact]
    public async Task Source_SymlinkedLayer_OfOldDockerSave_IsFollowed()
    {
        using var temp = TempDirectory.Create();
        var path = temp.Combine("old.tar");
        var layer = ArchiveTestImage.Gzip(ArchiveTestImage.Tar("a", "shared"));
        using (var file = File.Create(path))
        using (var writer = new TarWriter(file, TarEntryFormat.Ustar))
        {
            writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, "aaa/layer.tar") { DataStream = new MemoryStream(layer) });
            writer.WriteEntry(new UstarTarEntry(TarEntryType.SymbolicLink, "bbb/layer.tar") { LinkName = "../aaa/layer.tar" });
            writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, "c.json") { DataStream = new MemoryStream("{}"u8.ToArray()) });
            writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, "manifest.json")
            {
                DataStream = new MemoryStream("""[{"Config":"c.json","RepoTags":null,"Layers":["aaa/layer.tar","bbb/layer.tar"]}]"""u8.ToArray()),
            });
        }

        await using var source = DockerArchiveSource.Open(Reference(path));
        var layers = (await source.GetManifestAsync(null, Ct)).Parse().Layers!;
        Assert.Equal(2, layers.Count);
        Assert.All(layers, l => Assert.Equal((Digest.Sha256(layer).ToString(), "application/vnd.oci.image.layer.v1.tar+gzip"), (l.Digest, l.MediaType)));
        await using var stream = await source.OpenBlobAsync(layers[1], 0, Ct);
        Assert.Equal(layer, await ReadAllAsync(stream));
    }

    [Fact]
    public void Source_NotAnArchive_IsAOneLineTransferException()
    {
        using var temp = TempDirectory.Create();
        Assert.Throws<TransferException>(() => DockerArchiveSource.Open(Reference(temp.Combine("missing.tar"))));

        var gzip = temp.Combine("image.tar.gz");
        File.WriteAllBytes(gzip, ArchiveTestImage.Gzip(ArchiveTestImage.Tar("a", "b")));
        Assert.Contains("compressed", Assert.Throws<TransferException>(() => DockerArchiveSource.Open(Reference(gzip))).Message, StringComparison.Ordinal);

        var plain = temp.Combine("plain.tar");
        File.WriteAllBytes(plain, ArchiveTestImage.Tar("a", "b"));
        Assert.Contains("manifest.json", Assert.Throws<TransferException>(() => DockerArchiveSource.Open(Reference(plain))).Message, StringComparison.Ordinal);

        var garbage = temp.Combine("garbage.tar");
        File.WriteAllBytes(garbage, Encoding.ASCII.GetBytes(new string('x', 2000)));
        Assert.DoesNotContain('\n', Assert.Throws<TransferException>(() => DockerArchiveSource.Open(Reference(garbage))).Message);
    }

    [Theory]
    [InlineData(64, 0L)]
    [InlineData(64, 511L)]
    [InlineData(64, (1L << 33) - 1)]
    [InlineData(64, 10L * 1024 * 1024 * 1024)]
    [InlineData(128, 1000L)]
    [InlineData(128, 10L * 1024 * 1024 * 1024)]
    public void TarHeader_IsReadBackWithNameAndSize_IncludingSha512NamesAndSizesOver8GiB(int hexLength, long size)
    {
        var name = new string('a', hexLength) + ".json";
        var header = DockerArchiveFormat.FileHeader(name, size);

        // A sparse file stands in for the data, so no 10 GiB are written.
        using var temp = TempDirectory.Create();
        using var file = new FileStream(temp.Combine("big.tar"), FileMode.CreateNew, FileAccess.ReadWrite);
        file.Write(header);
        file.SetLength(header.Length + size + 1024);
        file.Position = 0;
        using var reader = new TarReader(file, leaveOpen: true);
        var entry = reader.GetNextEntry(copyData: false)!;
        Assert.Equal(name, entry.Name);
        Assert.Equal(size, entry.Length);
        Assert.Equal(TarEntryType.RegularFile, entry.EntryType);
        Assert.Equal(header.Length, entry.DataOffset);
        Assert.Null(reader.GetNextEntry(copyData: false));
    }

    [Fact]
    public async Task Destination_SameImageTwice_GivesByteIdenticalArchives()
    {
        using var temp = TempDirectory.Create();
        foreach (var file in new[] { "one.tar", "two.tar" })
        {
            await using var destination = DockerArchiveDestination.Create(Reference(temp.Combine(file), "app:v1"));
            await SampleImage().CopyToAsync(destination, Ct);
        }

        Assert.Equal(File.ReadAllBytes(temp.Combine("one.tar")), File.ReadAllBytes(temp.Combine("two.tar")));
    }

    [Fact]
    public async Task Destination_ExistingTarget_IsReplacedOnlyOnCommit()
    {
        using var temp = TempDirectory.Create();
        var path = temp.Combine("image.tar");
        File.WriteAllText(path, "previous");
        var image = SampleImage();
        await using (var failed = DockerArchiveDestination.Create(Reference(path)))
        {
            await failed.PutBlobAsync(image.Config, ArchiveTestImage.Opener(image.Bytes(image.Config)), _ => { }, Ct);
        }

        Assert.Equal("previous", File.ReadAllText(path));
        await using (var destination = DockerArchiveDestination.Create(Reference(path)))
        {
            await image.CopyToAsync(destination, Ct);
        }

        await using var source = DockerArchiveSource.Open(Reference(path));
        Assert.Equal(image.Config.Digest, (await source.GetManifestAsync(null, Ct)).Parse().Config!.Digest);
        Assert.Single(Directory.GetFileSystemEntries(temp.Path));
    }

    internal static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, Ct);
        return buffer.ToArray();
    }

    internal static List<string> ReadTarNames(string path) => [.. ReadTarFiles(path).Keys];

    internal static Dictionary<string, byte[]> ReadTarFiles(string path, bool onlyRegularFiles = true)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using var file = File.OpenRead(path);
        using var reader = new TarReader(file);
        while (reader.GetNextEntry() is { } entry)
        {
            if (onlyRegularFiles)
            {
                Assert.Equal(TarEntryType.RegularFile, entry.EntryType);
            }
            else if (entry.EntryType != TarEntryType.RegularFile)
            {
                continue;
            }

            using var data = new MemoryStream();
            entry.DataStream?.CopyTo(data);
            Assert.True(files.TryAdd(entry.Name, data.ToArray()), $"{entry.Name} appears twice");
        }

        return files;
    }

    private static void WriteTar(string path, IEnumerable<(string Name, byte[] Data)> files)
    {
        using var file = File.Create(path);
        using var writer = new TarWriter(file, TarEntryFormat.Pax);
        foreach (var (name, data) in files)
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
        }
    }

    /// <summary>Throws an IOException after <c>limit</c> bytes, like a connection that drops.</summary>
    private sealed class BreakingStream(Stream inner, int limit) : Stream
    {
        private int _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_read >= limit)
            {
                throw new IOException("connection reset");
            }

            var n = inner.Read(buffer, offset, Math.Min(count, limit - _read));
            _read += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
