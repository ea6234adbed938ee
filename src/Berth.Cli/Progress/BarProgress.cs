using System.Collections.Concurrent;
using Berth.Client.Transfer;
using Berth.Protocol.Oci;
using Spectre.Console;

namespace Berth.Cli.Progress;

/// <summary>Progress bars on a terminal: one per blob and a total, each with bytes, rate and time left.</summary>
internal sealed class BarProgress : ITransferProgress
{
    private readonly ProgressContext _context;
    private readonly ProgressTask _total;
    private readonly ConcurrentDictionary<string, (ProgressTask Task, long Position)> _blobs = new(StringComparer.Ordinal);
    private readonly Lock _sum = new();
    private long _moved;

    private BarProgress(ProgressContext context)
    {
        _context = context;
        _total = context.AddTask("[bold]total[/]", autoStart: true, maxValue: 0);
    }

    /// <summary>Runs <paramref name="work"/> with live bars on <paramref name="terminal"/>; they stay on screen after.</summary>
    public static Task<T> RunAsync<T>(IAnsiConsole terminal, Func<ITransferProgress, Task<T>> work) =>
        terminal.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(
                new TaskDescriptionColumn { Alignment = Justify.Left },
                new ProgressBarColumn(),
                new PercentageColumn(),
                new DownloadedColumn(),
                new TransferSpeedColumn(),
                new RemainingTimeColumn())
            .StartAsync(context => work(new BarProgress(context)));

    public void BlobQueued(Descriptor blob)
    {
        var task = _context.AddTask(Markup.Escape(LineProgress.Short(blob)), autoStart: true, maxValue: Math.Max(1, blob.Size));
        _blobs[blob.Digest!] = (task, 0);
        _total.MaxValue += Math.Max(1, blob.Size);
    }

    public void BlobPosition(Descriptor blob, long position)
    {
        if (!_blobs.TryGetValue(blob.Digest!, out var entry))
        {
            return;
        }

        lock (_sum)
        {
            _moved += position - entry.Position;
            _blobs[blob.Digest!] = (entry.Task, position);
            entry.Task.Value = position;
            _total.Value = _moved;
        }
    }

    public void BlobSkipped(Descriptor blob, BlobPresence presence)
    {
        if (_blobs.TryGetValue(blob.Digest!, out var entry))
        {
            entry.Task.Description = Markup.Escape($"{LineProgress.Short(blob)} {(presence == BlobPresence.Mounted ? "mounted" : "exists")}");
            entry.Task.Value = entry.Task.MaxValue;
            lock (_sum)
            {
                // Skipped bytes leave the total, so its rate and estimate describe only the bytes that move.
                _moved -= entry.Position;
                _total.MaxValue = Math.Max(1, _total.MaxValue - entry.Task.MaxValue);
                _total.Value = _moved;
            }
        }
    }

    public void BlobCompleted(Descriptor blob) => BlobPosition(blob, Math.Max(1, blob.Size));

    public void ManifestWritten(ManifestContent manifest, bool isRoot)
    {
        if (isRoot)
        {
            _total.Description = "[bold]total[/] [green]done[/]";
            _total.Value = _total.MaxValue;
        }
    }
}
