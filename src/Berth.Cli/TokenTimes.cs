using System.Globalization;

namespace Berth.Cli;

/// <summary>How the CLI prints token expiry: UTC and local timestamps and a coarse "expires in 11h 59m".</summary>
internal static class TokenTimes
{
    public static string Utc(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string Local(DateTimeOffset at, TimeProvider time) =>
        TimeZoneInfo.ConvertTime(at, time.LocalTimeZone).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    public static string Status(DateTimeOffset expiresAt, DateTimeOffset now) =>
        expiresAt > now ? $"expires in {Span(expiresAt - now)}" : $"expired {Span(now - expiresAt)} ago";

    public static long SecondsRemaining(DateTimeOffset expiresAt, DateTimeOffset now) =>
        Math.Max(0, (long)Math.Floor((expiresAt - now).TotalSeconds));

    // Coarse and truncated, like a person would say it: "2d 3h", "11h 59m", "3m", "45s".
    public static string Span(TimeSpan span) => span switch
    {
        { TotalDays: >= 1 } => string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalDays}d {span.Hours}h"),
        { TotalHours: >= 1 } => string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours}h {span.Minutes}m"),
        { TotalMinutes: >= 1 } => string.Create(CultureInfo.InvariantCulture, $"{span.Minutes}m"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{span.Seconds}s"),
    };
}
