using System.Globalization;

namespace Berth.Bench;

/// <summary>Command-line options; every size accepts a suffix (KiB, MiB, GiB).</summary>
internal sealed class BenchOptions
{
    public const string Usage = """
        berth-bench: the same workload against Berth and Debian's docker-registry, alternating rounds.

        Usage: berth-bench [options]

          --full                     larger preset (5 rounds, ~4x the operations); a quick run is the default
          --rounds N                 measured rounds per row (default 3)
          --concurrency N            requests in flight per row (default 8)
          --rows LIST                comma-separated subset of: ping,manifest-put,manifest-get,push-mono,push-chunked,pull,memory
          --blob-size SIZE           blob size for push/pull rows (default 4MiB)
          --chunks N                 PATCH requests per chunked push (default 4)
          --ping-ops N               operations per round (defaults: 1500/500/1000/48/48/160; --full: 4x)
          --manifest-put-ops N
          --manifest-get-ops N
          --push-mono-ops N
          --push-chunked-ops N
          --pull-ops N
          --warmup-ops N             untimed operations per row and registry before round 1 (default 50, capped by the row's ops)
          --memory-blob-size SIZE    size of each blob of the memory row (default 1GiB)
          --memory-blobs N           blobs uploaded at once in the memory row (default 4)
          --skip-memory              leave out the memory row
          --berth-dll PATH           default: <repo>/src/Berth.Cli/bin/Release/net10.0/berth.dll
          --reference-bin PATH       default: /usr/bin/docker-registry
          --work-dir DIR             where data directories go (default: a new directory under $TMPDIR or /tmp)
          --server-logs MODE         file (default: <work-dir>/<name>.log) or null (/dev/null)
          --keep                     keep the work directory
          --help
        """;

    private static readonly string[] AllRows = ["ping", "manifest-put", "manifest-get", "push-mono", "push-chunked", "pull", "memory"];

    public int Rounds { get; private set; } = 3;

    public int Concurrency { get; private set; } = 8;

    public HashSet<string> Rows { get; private set; } = new(AllRows, StringComparer.Ordinal);

    public long BlobSize { get; private set; } = 4L << 20;

    public int Chunks { get; private set; } = 4;

    public int PingOps { get; private set; } = 1500;

    public int ManifestPutOps { get; private set; } = 500;

    public int ManifestGetOps { get; private set; } = 1000;

    public int PushMonoOps { get; private set; } = 48;

    public int PushChunkedOps { get; private set; } = 48;

    public int PullOps { get; private set; } = 160;

    public int WarmupOps { get; private set; } = 50;

    public long MemoryBlobSize { get; private set; } = 1L << 30;

    public int MemoryBlobs { get; private set; } = 4;

    public string? BerthDll { get; private set; }

    public string ReferenceBin { get; private set; } = "/usr/bin/docker-registry";

    public string? WorkDir { get; private set; }

    public bool LogToFile { get; private set; } = true;

    public bool Keep { get; private set; }

    public bool Help { get; private set; }

    public bool Full { get; private set; }

    /// <summary>The arguments as given, for the report header.</summary>
    public string CommandLine { get; private set; } = "";

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions { CommandLine = string.Join(' ', args) };

        // --full first, so that explicit counts given with it still win.
        if (args.Contains("--full"))
        {
            o.Full = true;
            o.Rounds = 5;
            o.PingOps *= 4;
            o.ManifestPutOps *= 4;
            o.ManifestGetOps *= 4;
            o.PushMonoOps *= 4;
            o.PushChunkedOps *= 4;
            o.PullOps *= 4;
        }

        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value");
            int Count() => int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n
                : throw new ArgumentException($"{name} needs a positive integer");

            switch (name)
            {
                case "--full": break;
                case "--rounds": o.Rounds = Count(); break;
                case "--concurrency": o.Concurrency = Count(); break;
                case "--rows": o.Rows = ParseRows(Value()); break;
                case "--blob-size": o.BlobSize = ParseSize(Value()); break;
                case "--chunks": o.Chunks = Count(); break;
                case "--ping-ops": o.PingOps = Count(); break;
                case "--manifest-put-ops": o.ManifestPutOps = Count(); break;
                case "--manifest-get-ops": o.ManifestGetOps = Count(); break;
                case "--push-mono-ops": o.PushMonoOps = Count(); break;
                case "--push-chunked-ops": o.PushChunkedOps = Count(); break;
                case "--pull-ops": o.PullOps = Count(); break;
                case "--warmup-ops":
                    o.WarmupOps = int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var w)
                        ? w
                        : throw new ArgumentException("--warmup-ops needs an integer");
                    break;
                case "--memory-blob-size": o.MemoryBlobSize = ParseSize(Value()); break;
                case "--memory-blobs": o.MemoryBlobs = Count(); break;
                case "--skip-memory": o.Rows.Remove("memory"); break;
                case "--berth-dll": o.BerthDll = Value(); break;
                case "--reference-bin": o.ReferenceBin = Value(); break;
                case "--work-dir": o.WorkDir = Value(); break;
                case "--server-logs":
                    o.LogToFile = Value() switch
                    {
                        "file" => true,
                        "null" => false,
                        var other => throw new ArgumentException($"--server-logs must be 'file' or 'null', not '{other}'"),
                    };
                    break;
                case "--keep": o.Keep = true; break;
                case "--help" or "-h": o.Help = true; break;
                default: throw new ArgumentException($"unknown option '{name}' (see --help)");
            }
        }

        if (o.BlobSize < 64 || o.Chunks > o.BlobSize / 32)
        {
            throw new ArgumentException("--blob-size must be at least 64 bytes and leave at least 32 bytes per chunk");
        }

        return o;
    }

    public static long ParseSize(string text)
    {
        var units = new (string Suffix, long Factor)[] { ("GiB", 1L << 30), ("MiB", 1L << 20), ("KiB", 1L << 10), ("G", 1L << 30), ("M", 1L << 20), ("K", 1L << 10), ("B", 1) };
        foreach (var (suffix, factor) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(text.AsSpan(0, text.Length - suffix.Length), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                && value > 0)
            {
                return (long)(value * factor);
            }
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) && bytes > 0
            ? bytes
            : throw new ArgumentException($"invalid size '{text}' (e.g. 4MiB, 1GiB, 65536)");
    }

    private static HashSet<string> ParseRows(string list)
    {
        var rows = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!AllRows.Contains(row))
            {
                throw new ArgumentException($"unknown row '{row}'; rows are {string.Join(',', AllRows)}");
            }

            rows.Add(row);
        }

        return rows;
    }
}
