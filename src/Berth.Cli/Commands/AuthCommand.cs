using System.CommandLine;

namespace Berth.Cli.Commands;

/// <summary><c>berth auth</c>: the logins podman and docker have stored, and renewing them.</summary>
internal static class AuthCommand
{
    public static Command Create(CliContext context)
    {
        var auth = new Command("auth", "Stored registry logins: list them with their expiry, renew ECR-style ones.");
        auth.Subcommands.Add(AuthListCommand.Create(context));
        auth.Subcommands.Add(AuthRefreshCommand.Create(context));
        return auth;
    }
}
