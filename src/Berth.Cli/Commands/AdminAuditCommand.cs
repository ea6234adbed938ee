using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Berth.Registry.Audit;
using Berth.Server.Audit;

namespace Berth.Cli.Commands;

/// <summary><c>berth admin audit</c>: reads <c>&lt;data-dir&gt;/audit.log</c>, also while a server is appending to it.</summary>
internal static class AdminAuditCommand
{
    public static Command Create(CliContext context, Option<string> dataDir)
    {
        var since = new Option<string?>("--since") { Description = "Only events at or after this time: a duration back from now (1h, 30m, 2d) or an ISO 8601 timestamp" };
        var json = new Option<bool>("--json") { Description = "Print the stored JSON lines as they are" };
        var command = new Command("audit", "Print the audit log: admin changes, denials, tokens issued, lifecycle expiries.") { dataDir, since, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var root = Path.GetFullPath(parse.GetValue(dataDir)!);
            var path = FileAuditLog.PathIn(root);
            if (!File.Exists(path))
            {
                context.Error.WriteLine($"Error: no audit log in {root}: the server writes {FileAuditLog.FileName} there once something is audited");
                return ExitCodes.Failure;
            }

            DateTimeOffset? from = null;
            if (parse.GetValue(since) is { } sinceText)
            {
                if (Durations.TryParse(sinceText, out var back))
                {
                    from = context.Time.GetUtcNow() - back;
                }
                else if (DateTimeOffset.TryParse(sinceText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
                {
                    from = at;
                }
                else
                {
                    context.Error.WriteLine($"Error: --since '{sinceText}' is neither a duration (1h, 30m) nor a timestamp (2026-01-31T12:00:00Z)");
                    return ExitCodes.Usage;
                }
            }

            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            var lineNumber = 0;
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                lineNumber++;
                if (line.Length == 0)
                {
                    continue;
                }

                AuditRecord? record;
                try
                {
                    record = JsonSerializer.Deserialize(line, AuditJsonContext.Default.AuditRecord);
                }
                catch (JsonException)
                {
                    record = null;
                }

                if (record is null)
                {
                    context.Error.WriteLine($"Warning: {path}:{lineNumber} is not an audit event; skipped");
                    continue;
                }

                if (from is { } start && new DateTimeOffset(DateTime.SpecifyKind(record.Time, DateTimeKind.Utc)) < start)
                {
                    continue;
                }

                context.Out.WriteLine(parse.GetValue(json) ? line : Format(record));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>One line per event: time, event, principal, address, action, resource, then the details.</summary>
    public static string Format(AuditRecord record)
    {
        var parts = new List<string>
        {
            record.Time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            record.Event,
            record.Principal ?? "(server)",
        };
        if (record.Source is { } source)
        {
            parts.Add("from " + source);
        }

        if (record.Action is { } action)
        {
            parts.Add(action);
        }

        if (record.Resource is { } resource)
        {
            parts.Add("on " + resource);
        }

        parts.AddRange((record.Details ?? new Dictionary<string, string>()).Select(d => $"{d.Key}={d.Value}"));
        return string.Join(' ', parts);
    }
}
