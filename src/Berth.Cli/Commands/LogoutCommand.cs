using System.CommandLine;
using Berth.Client.Auth;
using Berth.Client.Registry;

namespace Berth.Cli.Commands;

/// <summary><c>berth logout</c>: <c>podman logout</c> (4.3.1), same flags, files, messages and exit codes.</summary>
internal static class LogoutCommand
{
    public static Command Create(CliContext context)
    {
        var authFile = new Option<string?>("--authfile")
        {
            Description = "Path of the authentication file [env: REGISTRY_AUTH_FILE; default: $XDG_RUNTIME_DIR/containers/auth.json]",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var all = new Option<bool>("--all", "-a") { Description = "Remove the credentials of all registries from the authentication file" };
        var registry = new Argument<string[]>("REGISTRY")
        {
            Description = "host[:port], host[:port]/namespace/repository, or an http(s):// URL",
            Arity = ArgumentArity.ZeroOrMore,
        };

        var command = new Command("logout", "Remove a registry's stored credentials from the auth file podman uses.") { authFile, all, registry };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var registries = parse.GetValue(registry) ?? [];
            if ((LoginSupport.MissingValue(parse, authFile) ?? LoginSupport.UnknownFlag(registries)) is { } usage)
            {
                return LoginSupport.Fail(context, usage);
            }

            try
            {
                return await LogoutAsync(context, parse.GetValue(authFile), parse.GetValue(all), registries, cancellationToken);
            }
            catch (AuthFileException e)
            {
                return LoginSupport.Fail(context, e.Message);
            }
        });
        return command;
    }

    // containers/common auth.Logout, step by step.
    private static async Task<int> LogoutAsync(CliContext context, string? authFile, bool all, string[] registries, CancellationToken cancellationToken)
    {
        var store = new AuthStore(LoginSupport.Locations(context, authFile));
        if (store.Locations.IsExplicit && !File.Exists(store.Locations.WriteTarget))
        {
            return LoginSupport.Fail(context, $"checking authfile: stat {store.Locations.WriteTarget}: no such file or directory");
        }

        if (all)
        {
            if (registries.Length != 0)
            {
                return LoginSupport.Fail(context, "--all takes no arguments");
            }

            store.RemoveAll();
            context.Out.WriteLine("Removed login credentials for all registries");
            return ExitCodes.Ok;
        }

        if (registries.Length != 1)
        {
            return LoginSupport.Fail(context, registries.Length == 0 ? "please provide a registry to logout from" : "logout accepts only one registry to logout from");
        }

        var key = AuthKeys.Parse(registries[0]);
        if (store.Remove(key.Key))
        {
            context.Out.WriteLine($"Removed login credentials for {key.Key}");
            return ExitCodes.Ok;
        }

        // Not in the file we write; podman then looks for working credentials elsewhere (e.g. ~/.docker/config.json).
        AuthLookup? elsewhere;
        try
        {
            elsewhere = store.Find(key.Key);
        }
        catch (AuthFileException e)
        {
            return LoginSupport.Fail(context, $"get credentials: {e.Message}");
        }

        if (elsewhere?.Credentials is { UserName.Length: > 0, Password.Length: > 0 } credentials)
        {
            using var ping = new RegistryPing(tlsVerify: true);
            if ((await ping.CheckCredentialsAsync(key.Registry, credentials, cancellationToken)).IsValid)
            {
                context.Out.WriteLine($"Not logged into {key.Key} with current tool. Existing credentials were established via docker login. Please use docker logout instead.");
                return ExitCodes.Ok;
            }
        }

        return LoginSupport.Fail(context, $"not logged into {key.Key}");
    }
}
