using System.Diagnostics;
using System.Globalization;

namespace Berth.Bench;

/// <summary>What one timed run of a row on one registry measured.</summary>
internal sealed record Measurement(
    int Operations, double[] LatenciesMs, double WallSeconds, double ServerCpuSeconds, double ClientCpuSeconds, long PeakRssBytes, Dictionary<string, double[]> Requests);

/// <summary>What the memory row measured on one registry.</summary>
internal sealed record MemoryMeasurement(
    int Blobs, long BlobSize, double WallSeconds, double ServerCpuSeconds, long ServerPeakRssBytes, long ServerRssBeforeBytes, double ClientCpuSeconds, long ClientPeakRssBytes);

/// <summary>Runs rows against both registries, alternating which goes first from round to round.</summary>
internal sealed class Runner(BenchOptions options, IReadOnlyList<RegistryContext> registries, TextWriter progress)
{
    private readonly int _self = Environment.ProcessId;

    public bool PeakResetWorks { get; private set; } = true;

    /// <summary>Results per row key, then per registry name, one measurement per round.</summary>
    public Dictionary<string, Dictionary<string, List<Measurement>>> Results { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, MemoryMeasurement> Memory { get; } = new(StringComparer.Ordinal);

    public async Task RunRowsAsync(IReadOnlyList<Row> rows, CancellationToken ct)
    {
        if (options.WarmupOps > 0)
        {
            foreach (var row in rows)
            {
                foreach (var registry in registries)
                {
                    var warm = await MeasureAsync(row, registry, Math.Min(options.WarmupOps, row.Operations), ct);
                    progress.WriteLine(Inv($"warm-up  {row.Key,-13} {registry.Server.Name,-9} {warm.Operations,6} ops in {warm.WallSeconds,6:0.00} s"));
                }
            }
        }

        for (var round = 1; round <= options.Rounds; round++)
        {
            foreach (var row in rows)
            {
                // Odd rounds start with the first registry, even rounds with the last: drift (page cache, disk,
                // thermal, other load) then lands on both sides alike.
                var order = round % 2 == 1 ? registries : registries.Reverse().ToList();
                foreach (var registry in order)
                {
                    var m = await MeasureAsync(row, registry, row.Operations, ct);
                    var byRegistry = Results.TryGetValue(row.Key, out var found) ? found : Results[row.Key] = new(StringComparer.Ordinal);
                    (byRegistry.TryGetValue(registry.Server.Name, out var list) ? list : byRegistry[registry.Server.Name] = []).Add(m);
                    progress.WriteLine(Inv(
                        $"round {round}/{options.Rounds} {row.Key,-13} {registry.Server.Name,-9} {m.Operations,6} ops in {m.WallSeconds,6:0.00} s, server CPU {m.ServerCpuSeconds,6:0.00} s, peak RSS {m.PeakRssBytes / 1048576.0,7:0.0} MiB, RSS {ProcStats.RssBytes(registry.Server.ProcessId) / 1048576.0,6:0.0} MiB, {ProcStats.Threads(registry.Server.ProcessId),3} threads"));
                }
            }
        }
    }

    /// <summary>
    /// The memory row: <see cref="BenchOptions.MemoryBlobs"/> blobs of <see cref="BenchOptions.MemoryBlobSize"/> pushed
    /// at once, each streamed from a generator (POST, one streamed PATCH, PUT ?digest=), on one registry after the other.
    /// </summary>
    public async Task RunMemoryAsync(CancellationToken ct)
    {
        foreach (var registry in registries)
        {
            var pid = registry.Server.ProcessId;
            await SyncAsync(ct);
            var before = ProcStats.RssBytes(pid);
            PeakResetWorks &= ProcStats.ResetPeak(pid) & ProcStats.ResetPeak(_self);
            var cpu = ProcStats.CpuSeconds(pid);
            var clientCpu = ProcStats.CpuSeconds(_self);
            var clock = Stopwatch.StartNew();
            var seeds = Enumerable.Range(0, options.MemoryBlobs).Select(i => (ulong)Random.Shared.NextInt64() + (ulong)i).ToArray();
            var digests = await Task.WhenAll(seeds.Select(seed => Task.Run(
                () => registry.Client.PushGeneratedAsync(options.MemoryBlobSize, seed, ct), ct)));
            var wall = clock.Elapsed.TotalSeconds;
            var m = new MemoryMeasurement(
                options.MemoryBlobs, options.MemoryBlobSize, wall, ProcStats.CpuSeconds(pid) - cpu, ProcStats.PeakRssBytes(pid), before,
                ProcStats.CpuSeconds(_self) - clientCpu, ProcStats.PeakRssBytes(_self));
            foreach (var digest in digests)
            {
                var length = await registry.Client.HeadBlobAsync(digest, ct);
                if (length != options.MemoryBlobSize)
                {
                    throw new InvalidOperationException($"{registry.Server.Name}: HEAD {digest} says {length} bytes, expected {options.MemoryBlobSize}");
                }
            }

            Memory[registry.Server.Name] = m;
            progress.WriteLine(Inv(
                $"memory   {registry.Server.Name,-9} {m.Blobs} x {Sizes.Format(m.BlobSize)} in {wall:0.00} s, server CPU {m.ServerCpuSeconds:0.00} s, server peak RSS {m.ServerPeakRssBytes / 1048576.0:0.0} MiB (before: {before / 1048576.0:0.0} MiB), client peak RSS {m.ClientPeakRssBytes / 1048576.0:0.0} MiB"));
        }
    }

    private async Task<Measurement> MeasureAsync(Row row, RegistryContext registry, int operations, CancellationToken ct)
    {
        await row.PrepareAsync(registry, ct);
        await SyncAsync(ct);
        var pid = registry.Server.ProcessId;
        PeakResetWorks &= ProcStats.ResetPeak(pid);
        var latencies = new double[operations];
        var next = -1;
        var timer = registry.Client.Timer = new RequestTimer();
        var serverCpu = ProcStats.CpuSeconds(pid);
        var clientCpu = ProcStats.CpuSeconds(_self);
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, Math.Min(options.Concurrency, operations)).Select(_ => Task.Run(async () =>
        {
            var buffer = new byte[256 * 1024];
            int i;
            while ((i = Interlocked.Increment(ref next)) < operations)
            {
                var started = Stopwatch.GetTimestamp();
                await row.RunAsync(registry, i, buffer, ct);
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }, ct));
        await Task.WhenAll(workers);
        var wall = clock.Elapsed.TotalSeconds;
        registry.Client.Timer = null;
        return new Measurement(
            operations, latencies, wall, ProcStats.CpuSeconds(pid) - serverCpu, ProcStats.CpuSeconds(_self) - clientCpu, ProcStats.PeakRssBytes(pid), timer.Snapshot());
    }

    // Untimed: write back whatever the previous run left dirty, so that a run never pays for the other one's writes.
    private static async Task SyncAsync(CancellationToken ct) => await RegistryServer.RunToolAsync("sync", [], null, ct);

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
