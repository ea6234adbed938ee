using System.Security.Cryptography;
using Berth.Protocol;
using Berth.Registry;
using Berth.Registry.Storage;

namespace Berth.Storage.Tests;

/// <summary>The contract every <see cref="IBlobStore"/> provider must meet; one subclass per provider.</summary>
public abstract class BlobStoreConformanceTests
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A store over the provider's backing location; calling it twice simulates a process restart.</summary>
    protected abstract IBlobStore OpenStore();

    /// <summary>Fails when uploads or temporary files were left behind.</summary>
    protected abstract void AssertNoLeftovers();

    [Fact]
    public async Task Stat_Unknown_ReturnsNull() =>
        Assert.Null(await OpenStore().StatAsync(Digest.Sha256("nothing"u8), Ct));

    [Fact]
    public async Task Upload_InChunks_PublishesExactBytes()
    {
        var store = OpenStore();
        var content = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);
        var digest = Digest.Sha256(content);

        var upload = await store.BeginUploadAsync(Ct);
        await upload.AppendAsync(new MemoryStream(content, 0, 1000), 0, Ct);
        await upload.AppendAsync(new MemoryStream(content, 1000, content.Length - 1000), 1000, Ct);
        var info = await upload.CompleteAsync(digest, Ct);

        Assert.Equal(new BlobInfo(digest, content.Length), info);
        Assert.Equal(new BlobInfo(digest, content.Length), await store.StatAsync(digest, Ct));
        Assert.Equal(content, await ReadAllAsync(store, digest, 0));
        AssertNoLeftovers();
    }

    [Fact]
    public async Task OpenRead_AtOffset_ReturnsTheTail()
    {
        var store = OpenStore();
        var content = RandomNumberGenerator.GetBytes(5000);
        var digest = await PutAsync(store, content);

        Assert.Equal(content[4000..], await ReadAllAsync(store, digest, 4000));
    }

    [Fact]
    public async Task Complete_WrongDigest_DigestInvalidAndNothingPublished()
    {
        var store = OpenStore();
        var content = RandomNumberGenerator.GetBytes(100);
        var claimed = Digest.Sha256("something else"u8);
        var upload = await store.BeginUploadAsync(Ct);
        await upload.AppendAsync(new MemoryStream(content), 0, Ct);

        var failure = await Assert.ThrowsAsync<RegistryException>(() => upload.CompleteAsync(claimed, Ct).AsTask());

        Assert.Equal(RegistryError.DigestInvalid, failure.Error);
        Assert.Null(await store.StatAsync(claimed, Ct));
        Assert.Null(await store.StatAsync(Digest.Sha256(content), Ct));
    }

    [Fact]
    public async Task Append_AtWrongOffset_RangeInvalidAndLengthUnchanged()
    {
        var store = OpenStore();
        var upload = await store.BeginUploadAsync(Ct);
        await upload.AppendAsync(new MemoryStream(new byte[10]), 0, Ct);

        var failure = await Assert.ThrowsAsync<RegistryException>(() => upload.AppendAsync(new MemoryStream(new byte[10]), 5, Ct).AsTask());

        Assert.Equal(RegistryError.RangeInvalid, failure.Error);
        Assert.Equal(10, upload.Length);
    }

    [Fact]
    public async Task Upload_ResumedAfterRestart_CompletesWithTheRightDigest()
    {
        var content = RandomNumberGenerator.GetBytes(2 * 1024 * 1024);
        var digest = Digest.Sha256(content);
        var first = await OpenStore().BeginUploadAsync(Ct);
        await first.AppendAsync(new MemoryStream(content, 0, 1024 * 1024), 0, Ct);

        var restarted = OpenStore();
        var resumed = await restarted.ResumeUploadAsync(first.Id, Ct);
        Assert.NotNull(resumed);
        Assert.Equal(1024 * 1024, resumed.Length);
        await resumed.AppendAsync(new MemoryStream(content, 1024 * 1024, 1024 * 1024), 1024 * 1024, Ct);
        await resumed.CompleteAsync(digest, Ct);

        Assert.Equal(content, await ReadAllAsync(restarted, digest, 0));
    }

    [Fact]
    public async Task Upload_Sha512Digest_IsVerified()
    {
        var store = OpenStore();
        var content = RandomNumberGenerator.GetBytes(4096);
        var digest = Digest.FromHash("sha512", SHA512.HashData(content));
        var upload = await store.BeginUploadAsync(Ct);
        await upload.AppendAsync(new MemoryStream(content), 0, Ct);

        await upload.CompleteAsync(digest, Ct);

        Assert.Equal(content.Length, (await store.StatAsync(digest, Ct))?.Length);
    }

    [Fact]
    public async Task Cancel_RemovesTheUpload_AndIsRepeatable()
    {
        var store = OpenStore();
        var upload = await store.BeginUploadAsync(Ct);
        await upload.AppendAsync(new MemoryStream(new byte[10]), 0, Ct);

        await upload.CancelAsync(Ct);
        await upload.CancelAsync(Ct);

        Assert.Null(await store.ResumeUploadAsync(upload.Id, Ct));
        AssertNoLeftovers();
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("not-a-uuid")]
    [InlineData("")]
    public async Task Resume_ForeignId_ReturnsNull(string id) =>
        Assert.Null(await OpenStore().ResumeUploadAsync(id, Ct));

    [Fact]
    public async Task Complete_SameContentTwice_BothSucceed()
    {
        var store = OpenStore();
        var content = RandomNumberGenerator.GetBytes(1000);
        var digest = Digest.Sha256(content);
        var one = await store.BeginUploadAsync(Ct);
        var two = await store.BeginUploadAsync(Ct);
        await one.AppendAsync(new MemoryStream(content), 0, Ct);
        await two.AppendAsync(new MemoryStream(content), 0, Ct);

        await Task.WhenAll(one.CompleteAsync(digest, Ct).AsTask(), two.CompleteAsync(digest, Ct).AsTask());

        Assert.Equal(content, await ReadAllAsync(store, digest, 0));
        AssertNoLeftovers();
    }

    [Fact]
    public async Task Append_WhileAnotherAppendIsInFlight_RefusedAndNothingMixedIn()
    {
        var store = OpenStore();
        var first = await store.BeginUploadAsync(Ct);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stalled = new StallingStream(new byte[1000], 400, release.Task);

        var inFlight = first.AppendAsync(stalled, 0, Ct).AsTask();
        await stalled.Stalled;
        var second = await store.ResumeUploadAsync(first.Id, Ct); // sees the 400 bytes already on disk
        Assert.Equal(400, second!.Length);
        var refused = await Assert.ThrowsAsync<RegistryException>(() => second.AppendAsync(new MemoryStream(new byte[50]), 400, Ct).AsTask());
        release.SetResult();
        await inFlight;

        Assert.Equal(RegistryError.RangeInvalid, refused.Error);
        var resumed = await store.ResumeUploadAsync(first.Id, Ct);
        Assert.Equal(1000, resumed!.Length);
        await resumed.CompleteAsync(Digest.Sha256(new byte[1000]), Ct);
    }

    [Fact]
    public async Task Append_WithStaleOffsetFromAnEarlierResume_RangeInvalid()
    {
        var store = OpenStore();
        var first = await store.BeginUploadAsync(Ct);
        var stale = await store.ResumeUploadAsync(first.Id, Ct);
        await first.AppendAsync(new MemoryStream(new byte[10]), 0, Ct);

        var failure = await Assert.ThrowsAsync<RegistryException>(() => stale!.AppendAsync(new MemoryStream(new byte[10]), 0, Ct).AsTask());

        Assert.Equal(RegistryError.RangeInvalid, failure.Error);
    }

    [Fact]
    public async Task Delete_RemovesTheBlob()
    {
        var store = OpenStore();
        var digest = await PutAsync(store, RandomNumberGenerator.GetBytes(10));

        Assert.True(await store.DeleteAsync(digest, Ct));
        Assert.False(await store.DeleteAsync(digest, Ct));
        Assert.Null(await store.StatAsync(digest, Ct));
        Assert.Null(await store.OpenReadAsync(digest, 0, Ct));
    }

    private static async Task<Digest> PutAsync(IBlobStore store, byte[] content)
    {
        var upload = await store.BeginUploadAsync(Ct);
        await upload.AppendAsync(new MemoryStream(content), 0, Ct);
        return (await upload.CompleteAsync(Digest.Sha256(content), Ct)).Digest;
    }

    private static async Task<byte[]> ReadAllAsync(IBlobStore store, Digest digest, long offset)
    {
        await using var stream = await store.OpenReadAsync(digest, offset, Ct) ?? throw new InvalidOperationException("blob missing");
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, Ct);
        return copy.ToArray();
    }

    /// <summary>Serves <c>stallAt</c> bytes, then waits for <c>release</c> before serving the rest.</summary>
    private sealed class StallingStream(byte[] content, int stallAt, Task release) : Stream
    {
        private readonly TaskCompletionSource _stalled = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _position;

        public Task Stalled => _stalled.Task;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => content.Length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position == stallAt)
            {
                _stalled.TrySetResult();
                await release.WaitAsync(cancellationToken);
            }

            var end = _position < stallAt ? stallAt : content.Length;
            var count = Math.Min(buffer.Length, end - _position);
            content.AsMemory(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
