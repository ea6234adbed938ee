using System.CommandLine;
using Berth.Cli.Commands;
using Berth.Client.CredentialHelper;

namespace Berth.Cli;

/// <summary>The <c>berth</c> command tree.</summary>
internal static class BerthCli
{
    public static RootCommand Create(CliContext context)
    {
        var root = new RootCommand("Berth: a self-hosted, ECR-compatible container registry and the login toolkit around it.");
        root.Subcommands.Add(ServeCommand.Create(context));
        root.Subcommands.Add(AdminCommand.Create(context));
        root.Subcommands.Add(EcrCommand.Create(context));
        root.Subcommands.Add(LoginCommand.Create(context));
        root.Subcommands.Add(LogoutCommand.Create(context));
        root.Subcommands.Add(TokenCommand.Create(context));
        root.Subcommands.Add(AuthCommand.Create(context));
        root.Subcommands.Add(CredentialHelperCommand.Create(context));
        root.Subcommands.Add(TransferCommands.Push(context));
        root.Subcommands.Add(TransferCommands.Pull(context));
        root.Subcommands.Add(TransferCommands.Copy(context));
        return root;
    }

    public static Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
    {
        // The shim podman and docker run ('exec berth docker-credential-berth "$@"'): the helper protocol owns its argv,
        // its usage text and its exit codes, so it bypasses the command-line parser.
        if (args is [DockerCredentialHelper.Name, .. var helperArguments])
        {
            return new DockerCredentialHelper(context.Environment, context.Time).RunAsync(helperArguments, context.In, context.Out, context.Error, cancellationToken);
        }

        var parsed = Create(context).Parse(args);
        if (parsed.Errors.Count > 0 && !args.Any(a => a is "-h" or "--help" or "-?"))
        {
            // One line and a non-zero exit, like every other failure; the help text is one --help away.
            var names = new List<string>();
            for (var result = (System.CommandLine.Parsing.SymbolResult?)parsed.CommandResult; result is not null; result = result.Parent)
            {
                if (result is System.CommandLine.Parsing.CommandResult { Command: not RootCommand } commandResult)
                {
                    names.Insert(0, commandResult.Command.Name);
                }
            }

            var command = string.Join(' ', names.Prepend("berth"));
            var message = string.Join("; ", parsed.Errors.Select(e => e.Message.TrimEnd('.')));
            context.Error.WriteLine($"Error: {message} (see '{command} --help')");
            return Task.FromResult(UsageExitCode(args));
        }

        return parsed.InvokeAsync(new InvocationConfiguration { Output = context.Out, Error = context.Error }, cancellationToken);
    }

    // Commands that mirror another tool fail with that tool's exit code.
    private static int UsageExitCode(string[] args) => args.FirstOrDefault(a => !a.StartsWith('-')) switch
    {
        "login" or "logout" => ExitCodes.Podman,
        "ecr" => ExitCodes.Aws,
        _ => ExitCodes.Usage,
    };
}
