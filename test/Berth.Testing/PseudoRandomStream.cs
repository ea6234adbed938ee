using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Berth.Testing;

/// <summary>
/// A read-only stream of deterministic pseudo-random bytes: byte <c>p</c> of the sequence for a seed is always the same,
/// so a test can send, resend from any offset and verify gigabytes without ever holding them in memory. It hashes what it
/// hands out (<see cref="Digest"/>) and can pause before a given position until the test releases it.
/// </summary>
public sealed class PseudoRandomStream : Stream
{
    private readonly ulong _seed;
    private readonly long _end;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly TaskCompletionSource _pauseReached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _position;
    private long _pauseAt = -1;
    private Task _resume = Task.CompletedTask;
    private string? _finalDigest;

    /// <summary>Bytes <c>[offset, offset + length)</c> of the sequence for <paramref name="seed"/>.</summary>
    public PseudoRandomStream(int seed, long length, long offset = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        _seed = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL;
        _position = offset;
        _end = offset + length;
    }

    /// <summary>How many bytes this stream has handed out so far.</summary>
    public long Produced { get; private set; }

    /// <summary>Completes when a read reached the pause position set by <see cref="PauseAt"/>.</summary>
    public Task PauseReached => _pauseReached.Task;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>The <c>sha256:…</c> digest of the sequence's first <paramref name="length"/> bytes, computed by streaming.</summary>
    public static async Task<string> DigestOfAsync(int seed, long length, CancellationToken cancellationToken = default)
    {
        await using var stream = new PseudoRandomStream(seed, length);
        await stream.CopyToAsync(Null, cancellationToken);
        return stream.Digest;
    }

    /// <summary>
    /// Reads <paramref name="actual"/> to its end and compares it with bytes <c>[offset, offset + length)</c> of the
    /// sequence; returns null when identical, else a description of the first difference.
    /// </summary>
    public static async Task<string?> CompareAsync(Stream actual, int seed, long length, long offset = 0, CancellationToken cancellationToken = default)
    {
        await using var expected = new PseudoRandomStream(seed, length, offset);
        var a = new byte[256 * 1024];
        var e = new byte[a.Length];
        long compared = 0;
        while (true)
        {
            var read = await actual.ReadAtLeastAsync(a, a.Length, throwOnEndOfStream: false, cancellationToken);
            var want = await expected.ReadAtLeastAsync(e, e.Length, throwOnEndOfStream: false, cancellationToken);
            var common = Math.Min(read, want);
            var mismatch = a.AsSpan(0, common).CommonPrefixLength(e.AsSpan(0, common));
            if (mismatch < common)
            {
                return $"the content differs at byte {compared + mismatch}";
            }

            if (read != want)
            {
                return read < want ? $"the content ends after {compared + read} bytes; expected {length}" : $"the content is longer than {length} bytes";
            }

            if (read == 0)
            {
                return null;
            }

            compared += read;
        }
    }

    /// <summary>The digest of everything handed out so far (the whole range once it was read to the end); still
    /// readable after the stream was disposed (an HTTP content disposes its stream with the request).</summary>
    public string Digest => _finalDigest ?? "sha256:" + Convert.ToHexStringLower(_hash.GetCurrentHash());

    /// <summary>Makes reads stop handing out bytes once <paramref name="produced"/> bytes went out, until
    /// <paramref name="resume"/> completes; <see cref="PauseReached"/> completes when that point is hit.</summary>
    public void PauseAt(long produced, Task resume)
    {
        _pauseAt = produced;
        _resume = resume;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_pauseAt >= 0 && Produced >= _pauseAt)
        {
            _pauseReached.TrySetResult();
            await _resume.WaitAsync(cancellationToken);
            _pauseAt = -1;
        }

        var count = (int)Math.Min(buffer.Length, _end - _position);
        if (_pauseAt >= 0)
        {
            count = (int)Math.Min(count, _pauseAt - Produced);
        }

        Fill(buffer.Span[..count]);
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_pauseAt >= 0)
        {
            throw new NotSupportedException("a pausing stream is read asynchronously");
        }

        var count = (int)Math.Min(buffer.Length, _end - _position);
        Fill(buffer[..count]);
        return count;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && _finalDigest is null)
        {
            _finalDigest = Digest;
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }

    // Byte p is byte (p % 8) of SplitMix64(seed + p / 8), little-endian: any offset can be produced directly.
    private void Fill(Span<byte> target)
    {
        Span<byte> word = stackalloc byte[8];
        var written = 0;
        while (written < target.Length)
        {
            var position = _position + written;
            BinaryPrimitives.WriteUInt64LittleEndian(word, SplitMix64(_seed + (ulong)(position >> 3)));
            var skip = (int)(position & 7);
            var take = Math.Min(8 - skip, target.Length - written);
            word.Slice(skip, take).CopyTo(target[written..]);
            written += take;
        }

        _hash.AppendData(target);
        _position += target.Length;
        Produced += target.Length;
    }

    private static ulong SplitMix64(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
