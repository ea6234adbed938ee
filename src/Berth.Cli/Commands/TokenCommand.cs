using System.CommandLine;

namespace Berth.Cli.Commands;

/// <summary><c>berth token</c>: work with registry tokens (the passwords <c>get-login-password</c> prints).</summary>
internal static class TokenCommand
{
    public static Command Create(CliContext context)
    {
        var token = new Command("token", "Work with registry tokens.");
        token.Subcommands.Add(TokenInspectCommand.Create(context));
        return token;
    }
}
