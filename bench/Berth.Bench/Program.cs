using System.Globalization;
using System.Runtime.InteropServices;
using Berth.Bench;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync($"berth-bench: {e.Message}");
    return 2;
}

if (options.Help)
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

if (!OperatingSystem.IsLinux())
{
    await Console.Error.WriteLineAsync("berth-bench: needs Linux (/proc for CPU time and RSS)");
    return 2;
}

var berthDll = options.BerthDll ?? Path.Combine(FindRepositoryRoot(), "src", "Berth.Cli", "bin", "Release", "net10.0", "berth.dll");
foreach (var (path, hint) in new[] { (berthDll, "build it: dotnet build -c Release src/Berth.Cli"), (options.ReferenceBin, "apt-get install -y docker-registry") })
{
    if (!File.Exists(path))
    {
        await Console.Error.WriteLineAsync($"berth-bench: {path} is missing; {hint}");
        return 2;
    }
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
var ct = cancel.Token;

string workDir;
if (options.WorkDir is { } given)
{
    workDir = Path.GetFullPath(given);
    Directory.CreateDirectory(workDir);
}
else
{
    workDir = Directory.CreateTempSubdirectory("berth-bench-").FullName;
}

var progress = Console.Error;
var contexts = new List<RegistryContext>();
var exit = 0;
try
{
    progress.WriteLine($"work directory: {workDir}");
    var berth = await RegistryServer.StartBerthAsync(berthDll, workDir, options.LogToFile, ct);
    contexts.Add(new RegistryContext(berth, new RegistryClient(berth, RegistryServer.Repository)));
    var reference = await RegistryServer.StartReferenceAsync(options.ReferenceBin, workDir, options.LogToFile, ct);
    contexts.Add(new RegistryContext(reference, new RegistryClient(reference, RegistryServer.Repository)));
    var idle = contexts.ToDictionary(c => c.Server.Name, c => ProcStats.RssBytes(c.Server.ProcessId));

    using var blobs = new BlobFactory(options.BlobSize, seed: 1);
    var all = new Row[]
    {
        new PingRow(options.PingOps),
        new ManifestPutRow(blobs, options.ManifestPutOps),
        new ManifestGetRow(blobs, options.ManifestGetOps),
        new PushMonolithicRow(blobs, options.PushMonoOps),
        new PushChunkedRow(blobs, options.Chunks, options.PushChunkedOps),
        new PullRow(blobs, options.PullOps),
    };
    var rows = all.Where(r => options.Rows.Contains(r.Key)).ToList();

    var runner = new Runner(options, contexts, progress);
    await runner.RunRowsAsync(rows, ct);
    if (options.Rows.Contains("memory"))
    {
        await runner.RunMemoryAsync(ct);
    }

    var end = contexts.ToDictionary(c => c.Server.Name, c => (Rss: ProcStats.RssBytes(c.Server.ProcessId), Parts: ProcStats.RssParts(c.Server.ProcessId)));
    var o = Console.Out;
    o.WriteLine();
    o.WriteLine($"# Berth vs. docker-registry ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
    o.WriteLine();
    o.WriteLine($"- command: berth-bench {options.CommandLine}".TrimEnd());
    o.WriteLine($"- machine: {Environment.ProcessorCount} CPUs ({CpuModel()}), {MemTotal()}, Linux {File.ReadAllText("/proc/sys/kernel/osrelease").Trim()}; client and servers share it");
    o.WriteLine($"- client: {RuntimeInformation.FrameworkDescription}, HttpClient/SocketsHttpHandler, concurrency {options.Concurrency}, {options.Rounds} measured rounds per row alternating which registry goes first, {options.WarmupOps} warm-up ops per row and registry");
    foreach (var c in contexts)
    {
        var (rss, (anon, file, shmem)) = end[c.Server.Name];
        o.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"- {c.Server.Name}: {c.Server.Description}; RSS {idle[c.Server.Name] / 1048576.0:0.0} MiB idle after start, {rss / 1048576.0:0.0} MiB at the end (anon {anon / 1048576.0:0.0}, file-backed {file / 1048576.0:0.0}, shmem {shmem / 1048576.0:0.0})"));
    }

    o.WriteLine($"- latencies: per operation (a push is all of its requests), all rounds together; throughput = operations / summed wall time; server CPU = utime+stime delta of the server process; peak RSS = VmHWM{(runner.PeakResetWorks ? " reset before each run (clear_refs 5), so it is the peak during that run (max over rounds)" : " (clear_refs unavailable: lifetime peak)")}");
    o.WriteLine("- Berth/ref: above 1 is better for Berth for ops/s and MiB/s; below 1 is better for Berth everywhere else");
    o.WriteLine();
    if (rows.Count > 0)
    {
        o.WriteLine(Report.Rows(rows, runner, berth.Name, reference.Name));
        var requests = Report.Requests(rows, runner, berth.Name, reference.Name);
        if (requests.Length > 0)
        {
            o.WriteLine("Upload requests one by one (client-side, from sending the request to its response headers):");
            o.WriteLine();
            o.WriteLine(requests);
        }
    }

    if (options.Rows.Contains("memory"))
    {
        o.WriteLine(Report.Memory(runner, berth.Name, reference.Name, 256L << 20));
    }
}
catch (OperationCanceledException) when (ct.IsCancellationRequested)
{
    await Console.Error.WriteLineAsync("berth-bench: cancelled");
    exit = 130;
}
catch (Exception e) when (e is InvalidOperationException or HttpRequestException or IOException or TimeoutException)
{
    await Console.Error.WriteLineAsync($"berth-bench: {e.Message}");
    await Console.Error.WriteLineAsync($"(server logs, if --server-logs file: {workDir})");
    exit = 1;
}
finally
{
    foreach (var c in contexts)
    {
        c.Dispose();
        await c.Server.DisposeAsync();
    }

    if (!options.Keep && exit == 0)
    {
        Directory.Delete(workDir, recursive: true);
    }
    else
    {
        progress.WriteLine($"kept {workDir}");
    }
}

return exit;

static string FindRepositoryRoot()
{
    foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Berth.slnx")))
            {
                return dir.FullName;
            }
        }
    }

    throw new InvalidOperationException("cannot find the repository root (Berth.slnx); pass --berth-dll");
}

static string CpuModel() =>
    File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";

static string MemTotal()
{
    var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
    var kb = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    return (kb / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture) + " GiB RAM";
}
