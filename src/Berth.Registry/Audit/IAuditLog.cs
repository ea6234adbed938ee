using System.Text.Json.Serialization;

namespace Berth.Registry.Audit;

/// <summary>Records security-relevant events (admin changes, denials, tokens issued, expiries); never a secret.</summary>
public interface IAuditLog
{
    /// <summary>Appends one event, stamped with the current time.</summary>
    void Write(AuditEvent entry);
}

/// <summary>One audited event, before it is stamped with its time.</summary>
/// <param name="Event">What happened: <c>admin.change</c>, <c>access.denied</c>, <c>token.issued</c>, <c>lifecycle.expire</c>.</param>
/// <param name="Principal">The caller's ARN (<see langword="null"/> for the server's own jobs).</param>
/// <param name="Source">The caller's address.</param>
/// <param name="Action">The action, e.g. <c>iam:CreateUser</c>.</param>
/// <param name="Resource">The resource ARN acted on.</param>
/// <param name="Details">Non-secret particulars (user name, access key id, expiry, digest).</param>
public sealed record AuditEvent(
    string Event,
    string? Principal,
    string? Source = null,
    string? Action = null,
    string? Resource = null,
    IReadOnlyDictionary<string, string>? Details = null)
{
    public const string AdminChange = "admin.change";
    public const string AccessDenied = "access.denied";
    public const string TokenIssued = "token.issued";
    public const string LifecycleExpire = "lifecycle.expire";
}

/// <summary>One line of the audit log as stored: the event and its UTC time.</summary>
public sealed record AuditRecord(
    DateTime Time,
    string Event,
    string? Principal,
    string? Source,
    string? Action,
    string? Resource,
    IReadOnlyDictionary<string, string>? Details)
{
    public static AuditRecord Stamp(AuditEvent entry, DateTimeOffset now) =>
        new(now.UtcDateTime, entry.Event, entry.Principal, entry.Source, entry.Action, entry.Resource, entry.Details);
}

/// <summary>An audit log that drops everything (offline tools without a data directory).</summary>
public sealed class NullAuditLog : IAuditLog
{
    public static readonly NullAuditLog Instance = new();

    public void Write(AuditEvent entry)
    {
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AuditRecord))]
public sealed partial class AuditJsonContext : JsonSerializerContext;
