using System.CommandLine;
using Berth.Cli.Commands;

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
        return root;
    }

    public static Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
    {
        var parsed = Create(context).Parse(args);
        return parsed.InvokeAsync(new InvocationConfiguration { Output = context.Out, Error = context.Error }, cancellationToken);
    }
}
