namespace Berth.Cli.Tests;

/// <summary>Runs the <c>berth</c> CLI in-process with captured output and a private environment.</summary>
internal sealed class CliRunner(IReadOnlyDictionary<string, string?> environment, TimeProvider? time = null)
{
    public async Task<CliResult> RunAsync(string[] args, string standardInput = "", CancellationToken cancellationToken = default)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var context = new CliContext(output, error, new StringReader(standardInput), name => environment.TryGetValue(name, out var value) ? value : null, time ?? TimeProvider.System);
        var exitCode = await BerthCli.RunAsync(args, context, cancellationToken);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }
}

internal sealed record CliResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}
