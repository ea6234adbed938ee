using System.Globalization;
using System.Text;

namespace Berth.Bench;

/// <summary>Formats the results as Markdown tables, one line per registry and one Berth/reference ratio line per row.</summary>
internal static class Report
{
    private const double MiB = 1024 * 1024;

    private static readonly string[] RowsHeader =
        ["row", "registry", "ops", "ops/s", "MiB/s", "p50 ms", "p90 ms", "p99 ms", "server CPU s", "CPU ms/op", "peak RSS MiB", "client CPU s"];

    private static readonly string[] RequestsHeader = ["row", "request", "registry", "count", "p50 ms", "p90 ms", "p99 ms", "max ms"];

    private static readonly string[] RequestOrder = ["POST", "PATCH", "PUT with body", "PUT (empty)"];

    private static readonly string[] MemoryHeader =
        ["row", "registry", "wall s", "MiB/s", "server CPU s", "RSS before MiB", "server peak RSS MiB", "client CPU s", "client peak RSS MiB"];

    public static string Rows(IReadOnlyList<Row> rows, Runner runner, string berth, string reference)
    {
        var table = new List<string[]> { RowsHeader };
        foreach (var row in rows)
        {
            if (!runner.Results.TryGetValue(row.Key, out var byRegistry))
            {
                continue;
            }

            var b = Summary.Of(byRegistry[berth], row.BytesPerOperation);
            var r = Summary.Of(byRegistry[reference], row.BytesPerOperation);
            table.Add(Line(row.Title, berth, b));
            table.Add(Line("", reference, r));
            table.Add(
            [
                "", "Berth/ref", "",
                Ratio(b.OpsPerSecond, r.OpsPerSecond), row.BytesPerOperation > 0 ? Ratio(b.MiBPerSecond, r.MiBPerSecond) : "",
                Ratio(b.P50, r.P50), Ratio(b.P90, r.P90), Ratio(b.P99, r.P99),
                Ratio(b.Cpu, r.Cpu), Ratio(b.CpuPerOp, r.CpuPerOp), Ratio(b.PeakRss, r.PeakRss), "",
            ]);
        }

        return Markdown(table);
    }

    /// <summary>Per-request latencies of the rows that send more than one kind of request (the pushes).</summary>
    public static string Requests(IReadOnlyList<Row> rows, Runner runner, string berth, string reference)
    {
        var table = new List<string[]> { RequestsHeader };
        foreach (var row in rows)
        {
            if (!runner.Results.TryGetValue(row.Key, out var byRegistry))
            {
                continue;
            }

            var kinds = byRegistry.Values.SelectMany(l => l).SelectMany(m => m.Requests.Keys).Distinct()
                .OrderBy(k => Array.IndexOf(RequestOrder, k)).ToList();
            if (kinds.Count < 2)
            {
                continue;
            }

            var title = row.Title;
            foreach (var kind in kinds)
            {
                foreach (var name in new[] { berth, reference })
                {
                    var sorted = byRegistry[name].SelectMany(m => m.Requests.GetValueOrDefault(kind) ?? []).Order().ToArray();
                    if (sorted.Length == 0)
                    {
                        continue;
                    }

                    table.Add(
                    [
                        title, kind, name, sorted.Length.ToString(CultureInfo.InvariantCulture),
                        F(Percentile(sorted, 0.50)), F(Percentile(sorted, 0.90)), F(Percentile(sorted, 0.99)), F(sorted[^1]),
                    ]);
                    title = "";
                }
            }
        }

        return table.Count > 1 ? Markdown(table, textColumns: 3) : "";
    }

    public static string Memory(Runner runner, string berth, string reference, long targetBytes)
    {
        if (!runner.Memory.TryGetValue(berth, out var b) || !runner.Memory.TryGetValue(reference, out var r))
        {
            return "";
        }

        var table = new List<string[]> { MemoryHeader };
        string[] Line(string title, string name, MemoryMeasurement m) =>
        [
            title, name, F(m.WallSeconds), F(m.Blobs * m.BlobSize / MiB / m.WallSeconds, 1), F(m.ServerCpuSeconds),
            F(m.ServerRssBeforeBytes / MiB, 1), F(m.ServerPeakRssBytes / MiB, 1), F(m.ClientCpuSeconds), F(m.ClientPeakRssBytes / MiB, 1),
        ];
        table.Add(Line($"{b.Blobs} x {Sizes.Format(b.BlobSize)} blobs pushed at once (POST, streamed PATCH, PUT)", berth, b));
        table.Add(Line("", reference, r));
        table.Add(
        [
            "", "Berth/ref",
            Ratio(b.WallSeconds, r.WallSeconds), Ratio(b.Blobs * b.BlobSize / b.WallSeconds, r.Blobs * r.BlobSize / r.WallSeconds),
            Ratio(b.ServerCpuSeconds, r.ServerCpuSeconds), Ratio(b.ServerRssBeforeBytes, r.ServerRssBeforeBytes),
            Ratio(b.ServerPeakRssBytes, r.ServerPeakRssBytes), "", "",
        ]);
        var verdict = b.ServerPeakRssBytes < targetBytes ? "met" : "MISSED";
        return Markdown(table) + Environment.NewLine
            + Inv($"Berth peak RSS {b.ServerPeakRssBytes / MiB:0.0} MiB against the target of under {targetBytes / MiB:0} MiB: {verdict}.") + Environment.NewLine;
    }

    private static string[] Line(string title, string name, Summary s) =>
    [
        title, name, s.Operations.ToString(CultureInfo.InvariantCulture), F(s.OpsPerSecond, 1),
        double.IsNaN(s.MiBPerSecond) ? "" : F(s.MiBPerSecond, 1),
        F(s.P50), F(s.P90), F(s.P99), F(s.Cpu), F(s.CpuPerOp, 3), F(s.PeakRss / MiB, 1), F(s.ClientCpu),
    ];

    // Nearest rank on the sorted latencies of all rounds together.
    private static double Percentile(double[] sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static string Ratio(double berth, double reference) =>
        reference > 0 && !double.IsNaN(berth) ? Inv($"{berth / reference:0.00}x") : "n/a";

    private static string F(double value, int decimals = 2) => value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string Markdown(List<string[]> table, int textColumns = 2)
    {
        var widths = Enumerable.Range(0, table[0].Length).Select(c => table.Max(line => line[c].Length)).ToArray();
        var text = new StringBuilder();
        void Append(string[] cells, bool header)
        {
            text.Append('|');
            for (var c = 0; c < cells.Length; c++)
            {
                // Text columns (the first two) left-aligned, numbers right-aligned.
                text.Append(' ').Append(c < textColumns || header ? cells[c].PadRight(widths[c]) : cells[c].PadLeft(widths[c])).Append(" |");
            }

            text.AppendLine();
        }

        Append(table[0], header: true);
        text.Append('|');
        for (var c = 0; c < widths.Length; c++)
        {
            text.Append(c < textColumns ? " :" : " ").Append('-', widths[c] - 1).Append(c < textColumns ? " |" : ": |");
        }

        text.AppendLine();
        foreach (var line in table.Skip(1))
        {
            Append(line, header: false);
        }

        return text.ToString();
    }

    private sealed record Summary(int Operations, double OpsPerSecond, double MiBPerSecond, double P50, double P90, double P99, double Cpu, double CpuPerOp, long PeakRss, double ClientCpu)
    {
        public static Summary Of(List<Measurement> rounds, long bytesPerOperation)
        {
            var operations = rounds.Sum(m => m.Operations);
            var wall = rounds.Sum(m => m.WallSeconds);
            var latencies = rounds.SelectMany(m => m.LatenciesMs).Order().ToArray();
            var cpu = rounds.Sum(m => m.ServerCpuSeconds);
            return new Summary(
                operations,
                operations / wall,
                bytesPerOperation > 0 ? operations * (double)bytesPerOperation / MiB / wall : double.NaN,
                Percentile(latencies, 0.50),
                Percentile(latencies, 0.90),
                Percentile(latencies, 0.99),
                cpu,
                cpu * 1000 / operations,
                rounds.Max(m => m.PeakRssBytes),
                rounds.Sum(m => m.ClientCpuSeconds));
        }

    }
}
