using System.Text.Json;
using Berth.Registry.Audit;

namespace Berth.Server.Audit;

/// <summary>Appends audit events as JSON lines to <c>&lt;data-dir&gt;/audit.log</c> (0600).</summary>
/// <remarks>One writer and a lock: concurrent requests never interleave lines; each line is flushed before the
/// request goes on, so <c>berth admin audit</c> beside a running server sees it at once.</remarks>
public sealed class FileAuditLog : IAuditLog, IDisposable
{
    public const string FileName = "audit.log";

    private readonly Lock _gate = new();
    private readonly FileStream _stream;
    private readonly TimeProvider _time;

    public FileAuditLog(string dataDirectory, TimeProvider time)
    {
        _time = time;
        var options = new FileStreamOptions
        {
            Mode = FileMode.Append,
            Access = FileAccess.Write,
            Share = FileShare.ReadWrite,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var path = PathIn(dataDirectory);
        _stream = new FileStream(path, options);
        if (!OperatingSystem.IsWindows())
        {
            // A file created by hand or restored from a backup may be wider than 0600.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    public static string PathIn(string dataDirectory) => Path.Combine(dataDirectory, FileName);

    public void Write(AuditEvent entry)
    {
        var line = JsonSerializer.SerializeToUtf8Bytes(AuditRecord.Stamp(entry, _time.GetUtcNow()), AuditJsonContext.Default.AuditRecord);
        lock (_gate)
        {
            _stream.Write(line);
            _stream.WriteByte((byte)'\n');
            _stream.Flush();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _stream.Dispose();
        }
    }
}
