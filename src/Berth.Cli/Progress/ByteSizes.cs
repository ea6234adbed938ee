using System.Globalization;
using System.Text.RegularExpressions;

namespace Berth.Cli.Progress;

/// <summary>Byte counts as people read and write them: <c>1.5 GiB</c>; <c>64MiB</c>, <c>16M</c>, <c>1048576</c>.</summary>
internal static partial class ByteSizes
{
    private static readonly string[] Units = ["B", "KiB", "MiB", "GiB", "TiB"];

    public static string Format(double bytes)
    {
        var unit = 0;
        while (bytes >= 1024 && unit < Units.Length - 1)
        {
            bytes /= 1024;
            unit++;
        }

        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes:0} B")
            : string.Create(CultureInfo.InvariantCulture, $"{bytes:0.0} {Units[unit]}");
    }

    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        var match = text is null ? Match.Empty : SizePattern().Match(text);
        if (!match.Success)
        {
            return false;
        }

        var shift = char.ToUpperInvariant(match.Groups[2].Value.FirstOrDefault()) switch
        {
            'K' => 10,
            'M' => 20,
            'G' => 30,
            _ => 0,
        };
        return long.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var amount)
            && amount > 0 && amount <= (long.MaxValue >> shift) && (bytes = amount << shift) > 0;
    }

    [GeneratedRegex(@"^(\d+)\s*([kKmMgG](i?[bB])?|[bB])?$")]
    private static partial Regex SizePattern();
}
