using System.Collections.Concurrent;
using System.Globalization;
using Berth.Client.Transfer;
using Berth.Protocol.Oci;

namespace Berth.Cli.Progress;

/// <summary>Progress as plain lines, for logs and pipes: a line when a blob starts, resumes, is skipped or is done, and
/// every few seconds a line for each blob still moving.</summary>
internal sealed class LineProgress(TextWriter output, TimeProvider time) : ITransferProgress
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, BlobState> _blobs = new(StringComparer.Ordinal);
    private readonly Lock _write = new();

    public void BlobQueued(Descriptor blob) => _blobs.TryAdd(blob.Digest!, new BlobState(time.GetTimestamp()));

    public void BlobPosition(Descriptor blob, long position)
    {
        var state = _blobs.GetOrAdd(blob.Digest!, _ => new BlobState(time.GetTimestamp()));
        string? line = null;
        lock (state)
        {
            var now = time.GetTimestamp();
            if (!state.Started)
            {
                state.Started = true;
                state.Begin = now;
                state.LastLine = now;
                line = $"Copying blob {Short(blob)} ({ByteSizes.Format(blob.Size)})";
            }
            else if (position < state.Position)
            {
                line = $"Resuming blob {Short(blob)} at {ByteSizes.Format(position)}";
            }
            else if (time.GetElapsedTime(state.LastLine, now) >= Interval)
            {
                state.LastLine = now;
                var percent = blob.Size == 0 ? 100 : position * 100 / blob.Size;
                line = string.Create(CultureInfo.InvariantCulture, $"  {Short(blob)}: {ByteSizes.Format(position)} of {ByteSizes.Format(blob.Size)} ({percent}%), {Rate(position, time.GetElapsedTime(state.Begin, now))}");
            }

            state.Position = position;
        }

        Write(line);
    }

    public void BlobSkipped(Descriptor blob, BlobPresence presence) =>
        Write($"Skipped blob {Short(blob)}: {(presence == BlobPresence.Mounted ? "mounted from the source repository" : "already present")}");

    public void BlobCompleted(Descriptor blob)
    {
        var elapsed = _blobs.TryGetValue(blob.Digest!, out var state) ? time.GetElapsedTime(state.Begin) : TimeSpan.Zero;
        Write(string.Create(CultureInfo.InvariantCulture, $"Copied blob {Short(blob)} ({ByteSizes.Format(blob.Size)}) in {elapsed.TotalSeconds:0.0} s, {Rate(blob.Size, elapsed)}"));
    }

    public void ManifestWritten(ManifestContent manifest, bool isRoot) =>
        Write($"Wrote {(manifest.IsIndex ? "index" : "manifest")} {manifest.Digest}{(isRoot ? "" : " (child)")}");

    public static string Rate(long bytes, TimeSpan elapsed) =>
        elapsed <= TimeSpan.Zero ? "-" : $"{ByteSizes.Format(bytes / elapsed.TotalSeconds)}/s";

    /// <summary>The first 12 hex digits of a sha256 digest, with its algorithm: enough to tell layers apart on screen.</summary>
    public static string Short(Descriptor blob) => blob.Digest is { Length: > 19 } digest ? digest[..19] : blob.Digest ?? "";

    private void Write(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_write)
        {
            output.WriteLine(line);
            output.Flush();
        }
    }

    private sealed class BlobState(long queued)
    {
        public long Begin { get; set; } = queued;

        public long LastLine { get; set; } = queued;

        public long Position { get; set; }

        public bool Started { get; set; }
    }
}
