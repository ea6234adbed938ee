using System.CommandLine;
using System.Globalization;
using System.Text;
using Berth.Client.Auth;

namespace Berth.Cli.Commands;

/// <summary>What <c>login</c>, <c>logout</c> and <c>token inspect</c> share: podman-style errors, auth file
/// locations, argument checks and the terminal.</summary>
internal static class LoginSupport
{
    /// <summary>Writes <c>Error: message</c> as exactly one line on stderr and returns <paramref name="exitCode"/>.</summary>
    public static int Fail(CliContext context, string message, int exitCode = ExitCodes.Podman)
    {
        var line = message.ReplaceLineEndings(" ").Trim();
        context.Error.WriteLine($"Error: {line}");
        return exitCode;
    }

    /// <summary>podman's auth file rules for this environment and user.</summary>
    public static AuthFileLocations Locations(CliContext context, string? authFile) =>
        AuthFileLocations.Resolve(authFile, context.Environment, RealUserId);

    /// <summary>
    /// String options take zero or one value so that a bare <c>-u</c> reaches the command instead of failing in the parser;
    /// this turns it into cobra's one-line error.
    /// </summary>
    public static string? MissingValue(ParseResult parse, params Option[] options)
    {
        foreach (var option in options)
        {
            if (parse.GetResult(option) is { Implicit: false, Tokens.Count: 0 } result)
            {
                var used = result.IdentifierToken?.Value ?? option.Name;
                return used.StartsWith("--", StringComparison.Ordinal)
                    ? $"flag needs an argument: {used}"
                    : $"flag needs an argument: '{used.TrimStart('-')}' in {used}";
            }
        }

        return null;
    }

    /// <summary>Unknown options end up among the positional arguments; podman (cobra) refuses them by name.</summary>
    public static string? UnknownFlag(IReadOnlyList<string> arguments) =>
        arguments.FirstOrDefault(a => a.Length > 1 && a[0] == '-') is { } flag ? $"unknown flag: {flag.Split('=')[0]}" : null;

    /// <summary>Whether stdin is a terminal a person can answer prompts on.</summary>
    public static bool IsInteractive(CliContext context) => ReferenceEquals(context.In, Console.In) && !Console.IsInputRedirected;

    /// <summary>Reads a line without echoing it (the password prompt).</summary>
    public static string ReadSecret()
    {
        var secret = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                return secret.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                secret.Length = Math.Max(0, secret.Length - 1);
            }
            else if (!char.IsControl(key.KeyChar))
            {
                secret.Append(key.KeyChar);
            }
        }
    }

    // The real uid, as Go's os.Getuid() (for /run/containers/<uid>/auth.json); read from procfs, so no native interop.
    private static int RealUserId()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("Uid:", StringComparison.Ordinal))
                {
                    var fields = line["Uid:".Length..].Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
                    return int.Parse(fields[0], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            throw new AuthFileException("cannot determine the user id for /run/containers/<uid>/auth.json: use --authfile or set REGISTRY_AUTH_FILE", e);
        }

        throw new AuthFileException("cannot determine the user id for /run/containers/<uid>/auth.json: use --authfile or set REGISTRY_AUTH_FILE");
    }
}
