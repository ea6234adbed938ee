using System.Globalization;

namespace Berth.Bench;

/// <summary>Reads a process's CPU time and memory from <c>/proc</c> (Linux only).</summary>
internal static class ProcStats
{
    // USER_HZ: the unit of utime/stime in /proc/<pid>/stat; 100 on every Linux architecture .NET runs on.
    private const double TicksPerSecond = 100;

    /// <summary>User + system CPU seconds the process has used so far (utime + stime, fields 14 and 15).</summary>
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");

        // The command name (field 2) is in parentheses and may contain spaces: count fields after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var utime = long.Parse(fields[14 - 3], CultureInfo.InvariantCulture);
        var stime = long.Parse(fields[15 - 3], CultureInfo.InvariantCulture);
        return (utime + stime) / TicksPerSecond;
    }

    /// <summary>Peak resident set size (VmHWM) in bytes since start or the last <see cref="ResetPeak"/>.</summary>
    public static long PeakRssBytes(int pid) => StatusKb(pid, "VmHWM:") * 1024;

    /// <summary>Current resident set size (VmRSS) in bytes.</summary>
    public static long RssBytes(int pid) => StatusKb(pid, "VmRSS:") * 1024;

    /// <summary>Current RSS split into anonymous (heaps, stacks), file-backed (mapped binaries) and shared memory, in bytes.</summary>
    public static (long Anon, long File, long Shmem) RssParts(int pid) =>
        (StatusKb(pid, "RssAnon:") * 1024, StatusKb(pid, "RssFile:") * 1024, StatusKb(pid, "RssShmem:") * 1024);

    /// <summary>Number of threads.</summary>
    public static long Threads(int pid) => StatusValue(pid, "Threads:");

    /// <summary>Resets VmHWM to the current RSS (<c>echo 5 &gt; /proc/&lt;pid&gt;/clear_refs</c>, Linux 4.0+).</summary>
    /// <returns>False if the kernel or the permissions do not allow it; peaks are then lifetime peaks.</returns>
    public static bool ResetPeak(int pid)
    {
        try
        {
            File.WriteAllText($"/proc/{pid}/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static long StatusKb(int pid, string key) => StatusValue(pid, key);

    // The first number after the key ("VmHWM:	  1234 kB", "Threads:	17").
    private static long StatusValue(int pid, string key)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                var value = line[key.Length..].Trim();
                var end = value.IndexOf(' ', StringComparison.Ordinal);
                return long.Parse(end < 0 ? value : value[..end], CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"/proc/{pid}/status has no {key}");
    }
}
