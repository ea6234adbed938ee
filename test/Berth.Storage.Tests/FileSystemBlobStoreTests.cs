using Berth.Registry.Storage;
using Berth.Storage.FileSystem;
using Berth.Testing;

namespace Berth.Storage.Tests;

public sealed class FileSystemBlobStoreTests : BlobStoreConformanceTests, IDisposable
{
    private readonly TempDirectory _root = TempDirectory.Create();

    protected override IBlobStore OpenStore() => new FileSystemBlobStore(_root.Path);

    protected override void AssertNoLeftovers() =>
        Assert.Empty(Directory.EnumerateFiles(_root.Combine("uploads")));

    [Fact]
    public async Task Blob_IsAFileTheServerCanSendDirectly()
    {
        var store = new FileSystemBlobStore(_root.Path);
        var upload = await store.BeginUploadAsync(Ct);
        await upload.AppendAsync(new MemoryStream("abc"u8.ToArray()), 0, Ct);
        var info = await upload.CompleteAsync(Berth.Protocol.Digest.Sha256("abc"u8), Ct);

        var path = store.FindFile(info.Digest);

        Assert.NotNull(path);
        Assert.Equal("abc", await File.ReadAllTextAsync(path, Ct));
        Assert.StartsWith(_root.Combine("blobs", "sha256"), path, StringComparison.Ordinal);
    }

    public void Dispose() => _root.Dispose();
}
