namespace Berth.Cli;

/// <summary>Everything a command touches outside itself, so tests can run the CLI in-process.</summary>
/// <param name="Out">Standard output.</param>
/// <param name="Error">Standard error.</param>
/// <param name="In">Standard input.</param>
/// <param name="Environment">Environment variable lookup.</param>
/// <param name="Time">The clock.</param>
internal sealed record CliContext(TextWriter Out, TextWriter Error, TextReader In, Func<string, string?> Environment, TimeProvider Time)
{
    public static CliContext FromConsole() =>
        new(Console.Out, Console.Error, Console.In, System.Environment.GetEnvironmentVariable, TimeProvider.System);
}

/// <summary>Exit codes; commands that mirror another tool use that tool's.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int Usage = 2;

    /// <summary>podman's exit code for a failed command (login, logout).</summary>
    public const int Podman = 125;

    /// <summary>The aws CLI's exit code for a failed call or bad configuration.</summary>
    public const int Aws = 255;
}
