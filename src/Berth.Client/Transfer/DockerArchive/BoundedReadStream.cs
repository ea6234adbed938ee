namespace Berth.Client.Transfer.DockerArchive;

/// <summary>A read-only, seekable window <c>[start, start + length)</c> of a file; positions are relative to the window.</summary>
/// <remarks>A tar entry's data is contiguous in the archive, so a blob is served straight from the tarball: no
/// extraction, no temporary copy, and a resumed upload simply starts further into the window.</remarks>
internal sealed class BoundedReadStream : Stream
{
    private readonly FileStream _file;
    private readonly long _start;
    private readonly long _length;
    private long _position;

    /// <summary>Takes ownership of <paramref name="file"/>.</summary>
    public BoundedReadStream(FileStream file, long start, long length, long position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(position, length);
        _file = file;
        _start = start;
        _length = length;
        _position = position;
    }

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var wanted = Clamp(buffer.Length);
        if (wanted == 0)
        {
            return 0;
        }

        Reposition();
        var read = _file.Read(buffer[..wanted]);
        _position += read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var wanted = Clamp(buffer.Length);
        if (wanted == 0)
        {
            return 0;
        }

        Reposition();
        var read = await _file.ReadAsync(buffer[..wanted], cancellationToken);
        _position += read;
        return read;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => _length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        if (target < 0)
        {
            throw new IOException("Cannot seek before the start of the blob.");
        }

        _position = target;
        return target;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _file.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _file.DisposeAsync();
        await base.DisposeAsync();
    }

    // Only seek when needed: a same-position seek would still cost a system call per read.
    private void Reposition()
    {
        if (_file.Position != _start + _position)
        {
            _file.Position = _start + _position;
        }
    }

    private int Clamp(int requested) => (int)Math.Min(requested, Math.Max(0, _length - _position));
}
