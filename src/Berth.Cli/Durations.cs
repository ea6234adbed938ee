using System.Globalization;
using System.Text.RegularExpressions;

namespace Berth.Cli;

/// <summary>Parses durations the way Go tools and users write them: <c>12h</c>, <c>90m</c>, <c>1h30m</c>, <c>45s</c>.</summary>
internal static partial class Durations
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text) || !DurationPattern().IsMatch(text))
        {
            return false;
        }

        foreach (Match part in PartPattern().Matches(text))
        {
            var amount = double.Parse(part.Groups[1].Value, CultureInfo.InvariantCulture);
            value += part.Groups[2].Value switch
            {
                "d" => TimeSpan.FromDays(amount),
                "h" => TimeSpan.FromHours(amount),
                "m" => TimeSpan.FromMinutes(amount),
                "s" => TimeSpan.FromSeconds(amount),
                _ => TimeSpan.FromMilliseconds(amount),
            };
        }

        return value > TimeSpan.Zero;
    }

    [GeneratedRegex(@"^(\d+(\.\d+)?(d|h|m|s|ms))+$")]
    private static partial Regex DurationPattern();

    [GeneratedRegex(@"(\d+(?:\.\d+)?)(ms|d|h|m|s)")]
    private static partial Regex PartPattern();
}
