using System.Buffers;
using System.Net;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Berth.Bench;

/// <summary>
/// Makes distinct blobs of one size cheaply: every blob is a shared random prefix plus a 16-byte suffix (a run nonce
/// and a sequence number), so its digest costs one clone of the prefix's running hash plus 16 bytes of hashing.
/// </summary>
internal sealed class BlobFactory : IDisposable
{
    private const int SuffixLength = 16;

    private readonly byte[] _prefix;
    private readonly IncrementalHash _prefixHash;
    private readonly long _nonce;
    private readonly Lock _lock = new();

    public BlobFactory(long size, int seed)
    {
        if (size < SuffixLength || size - SuffixLength > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(size), "blob size must be between 16 bytes and 2 GiB");
        }

        _prefix = new byte[size - SuffixLength];
        new Random(seed).NextBytes(_prefix);
        _prefixHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        _prefixHash.AppendData(_prefix);
        _nonce = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(8));
        Size = size;
    }

    public long Size { get; }

    public SyntheticBlob Create(long sequence)
    {
        var suffix = new byte[SuffixLength];
        BitConverter.TryWriteBytes(suffix.AsSpan(0, 8), _nonce);
        BitConverter.TryWriteBytes(suffix.AsSpan(8, 8), sequence);
        IncrementalHash hash;
        lock (_lock)
        {
            hash = _prefixHash.Clone();
        }

        using (hash)
        {
            hash.AppendData(suffix);
            return new SyntheticBlob(_prefix, suffix, "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset()));
        }
    }

    public void Dispose() => _prefixHash.Dispose();
}

/// <summary>A blob made of a shared prefix and its own suffix, never copied into one buffer.</summary>
internal sealed class SyntheticBlob(byte[] prefix, byte[] suffix, string digest)
{
    public string Digest { get; } = digest;

    public long Length => prefix.LongLength + suffix.Length;

    /// <summary>The bytes [offset, offset + count) as request content with a Content-Length.</summary>
    public HttpContent Slice(long offset, long count) => new SliceContent(prefix, suffix, offset, count);

    private sealed class SliceContent(byte[] prefix, byte[] suffix, long offset, long count) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            var end = offset + count;
            if (offset < prefix.LongLength)
            {
                var from = (int)offset;
                var to = (int)Math.Min(end, prefix.LongLength);
                await stream.WriteAsync(prefix.AsMemory(from, to - from), cancellationToken);
            }

            if (end > prefix.LongLength)
            {
                var from = (int)Math.Max(0, offset - prefix.LongLength);
                var to = (int)(end - prefix.LongLength);
                await stream.WriteAsync(suffix.AsMemory(from, to - from), cancellationToken);
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = count;
            return true;
        }
    }
}

/// <summary>
/// Request content generated on the fly from a seeded xoshiro256** stream and hashed as it goes out: a blob of any
/// size costs one 1 MiB buffer on the client. <see cref="Digest"/> is known once the content has been sent.
/// </summary>
internal sealed class PseudoRandomContent(long length, ulong seed) : HttpContent
{
    private const int BufferSize = 1 << 20;

    public string? Digest { get; private set; }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var random = new Xoshiro256(seed);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            for (var remaining = length; remaining > 0;)
            {
                var n = (int)Math.Min(BufferSize, remaining);
                random.Fill(buffer.AsSpan(0, BufferSize));
                hash.AppendData(buffer, 0, n);
                await stream.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
                remaining -= n;
            }

            Digest = "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    protected override bool TryComputeLength(out long computed)
    {
        computed = length;
        return true;
    }

    private struct Xoshiro256
    {
        private ulong _s0;
        private ulong _s1;
        private ulong _s2;
        private ulong _s3;

        public Xoshiro256(ulong seed)
        {
            _s0 = SplitMix(ref seed);
            _s1 = SplitMix(ref seed);
            _s2 = SplitMix(ref seed);
            _s3 = SplitMix(ref seed);
        }

        // Length must be a multiple of 8 (the buffer is 1 MiB).
        public void Fill(Span<byte> bytes)
        {
            var words = MemoryMarshal.Cast<byte, ulong>(bytes);
            for (var i = 0; i < words.Length; i++)
            {
                var result = ulong.RotateLeft(_s1 * 5, 7) * 9;
                var t = _s1 << 17;
                _s2 ^= _s0;
                _s3 ^= _s1;
                _s1 ^= _s2;
                _s0 ^= _s3;
                _s2 ^= t;
                _s3 = ulong.RotateLeft(_s3, 45);
                words[i] = result;
            }
        }

        private static ulong SplitMix(ref ulong state)
        {
            var z = state += 0x9E3779B97F4A7C15;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
            return z ^ (z >> 31);
        }
    }
}
