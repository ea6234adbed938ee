using System.Globalization;
using System.Text.RegularExpressions;

namespace Berth.Testing;

/// <summary>One request as the server's request log line shows it (method, path without query, ECR operation, status).</summary>
public sealed record LoggedRequest(string Method, string Path, string? Operation, int Status)
{
    public override string ToString() => $"{Method} {Path} {Operation} -> {Status}";
}

/// <summary>Reads the one-line-per-request log (<c>PUT /v2/team/app/manifests/v1  -> 201 in 2.3 ms from … as …</c>).</summary>
public static partial class LoggedRequests
{
    /// <summary>Every request logged so far, oldest first.</summary>
    public static IReadOnlyList<LoggedRequest> Requests(this CapturedLogs logs) => Parse(logs.Lines);

    /// <summary>Parses request log lines; other lines are ignored.</summary>
    public static IReadOnlyList<LoggedRequest> Parse(IEnumerable<string> lines) =>
        [.. lines.Select(l => RequestLine().Match(l)).Where(m => m.Success).Select(m => new LoggedRequest(
            m.Groups["method"].Value,
            m.Groups["path"].Value,
            m.Groups["operation"].Value is { Length: > 0 } operation ? operation : null,
            int.Parse(m.Groups["status"].Value, CultureInfo.InvariantCulture)))];

    [GeneratedRegex(@"RequestLogging\[1000\] (?<method>[A-Z]+) (?<path>\S+) (?<operation>\S*) -> (?<status>\d{3}) in ")]
    private static partial Regex RequestLine();
}
