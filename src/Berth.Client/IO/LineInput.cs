using System.Text;

namespace Berth.Client.IO;

/// <summary>Reads standard input the way Go tools do with a <c>bufio.Scanner</c> loop.</summary>
public static class LineInput
{
    /// <summary>
    /// Reads to the end and joins every line without its <c>\n</c> and a <c>\r</c> before it; other characters, spaces
    /// included, are kept (podman's <c>--password-stdin</c>, the credential-helper protocol's input).
    /// </summary>
    public static async Task<string> ReadJoinedLinesAsync(TextReader input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var text = await input.ReadToEndAsync(cancellationToken);
        var joined = new StringBuilder(text.Length);
        foreach (var line in text.Split('\n'))
        {
            joined.Append(line.EndsWith('\r') ? line.AsSpan(0, line.Length - 1) : line);
        }

        return joined.ToString();
    }
}
