using System.CommandLine;
using Berth.Client.Auth;
using Berth.Client.IO;
using Berth.Client.Registry;
using Berth.Protocol.Tokens;

namespace Berth.Cli.Commands;

/// <summary><c>berth login</c>: <c>podman login</c> (4.3.1), same flags, files, messages and exit codes.</summary>
internal static class LoginCommand
{
    public static Command Create(CliContext context)
    {
        var username = new Option<string?>("--username", "-u") { Description = "Username for the registry (AWS for ECR-style tokens)", Arity = ArgumentArity.ZeroOrOne };
        var password = new Option<string?>("--password", "-p")
        {
            Description = "Password for the registry; visible to other processes, prefer --password-stdin",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Take the password from stdin (all lines, newlines removed)" };
        var authFile = new Option<string?>("--authfile")
        {
            Description = "Path of the authentication file [env: REGISTRY_AUTH_FILE; default: $XDG_RUNTIME_DIR/containers/auth.json]",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var tlsVerify = new Option<bool>("--tls-verify")
        {
            Description = "Require https with a verified certificate; --tls-verify=false skips verification and falls back to http",
            DefaultValueFactory = _ => true,
        };
        var getLogin = new Option<bool>("--get-login") { Description = "Print the username stored for the registry" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Print the authentication file used" };
        var registry = new Argument<string[]>("REGISTRY")
        {
            Description = "host[:port], host[:port]/namespace/repository, or an http(s):// URL",
            Arity = ArgumentArity.ZeroOrMore,
        };

        var command = new Command("login", "Log in to a registry: verify the credentials against /v2/ and store them in the auth file podman uses.")
        {
            username, password, passwordStdin, authFile, tlsVerify, getLogin, verbose, registry,
        };

        command.SetAction((parse, cancellationToken) => RunAsync(
            context,
            new LoginRequest(
                parse.GetValue(registry) ?? [],
                parse.GetValue(username),
                parse.GetValue(password),
                parse.GetValue(passwordStdin),
                parse.GetValue(authFile),
                parse.GetValue(tlsVerify),
                parse.GetValue(getLogin),
                parse.GetValue(verbose),
                LoginSupport.MissingValue(parse, username, password, authFile)),
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, LoginRequest request, CancellationToken cancellationToken)
    {
        if ((request.MissingValue ?? LoginSupport.UnknownFlag(request.Registries)) is { } usage)
        {
            return LoginSupport.Fail(context, usage);
        }

        if (request.Registries.Count != 1)
        {
            return LoginSupport.Fail(context, request.Registries.Count == 0 ? "please provide a registry to login to" : "login accepts only one registry to login to");
        }

        try
        {
            return await LoginAsync(context, request, AuthKeys.Parse(request.Registries[0]), cancellationToken);
        }
        catch (AuthFileException e)
        {
            return LoginSupport.Fail(context, e.Message);
        }
    }

    // containers/common auth.Login, step by step.
    private static async Task<int> LoginAsync(CliContext context, LoginRequest request, RegistryKey key, CancellationToken cancellationToken)
    {
        var store = new AuthStore(LoginSupport.Locations(context, request.AuthFile));
        AuthLookup? existing;
        try
        {
            existing = store.Find(key.Key);
        }
        catch (AuthFileException e)
        {
            return LoginSupport.Fail(context, $"get credentials: {e.Message}");
        }

        if (request.GetLogin)
        {
            if (existing?.UserName is not { } user)
            {
                return LoginSupport.Fail(context, existing?.CredentialHelper is { } helper
                    ? $"not logged into {key.Key}: its credentials are kept by docker-credential-{helper}, which Berth does not run"
                    : $"not logged into {key.Key}");
            }

            context.Out.WriteLine(user);
            return ExitCodes.Ok;
        }

        if (!string.IsNullOrEmpty(existing?.IdentityToken))
        {
            return LoginSupport.Fail(context, "currently logged in, auth file contains an Identity token");
        }

        var userName = request.UserName ?? "";
        var secret = request.Password ?? "";
        if (request.PasswordStdin)
        {
            if (request.Password is not null)
            {
                return LoginSupport.Fail(context, "can't specify both --password-stdin and --password");
            }

            if (userName.Length == 0)
            {
                return LoginSupport.Fail(context, "must provide --username with --password-stdin");
            }

            secret = await LineInput.ReadJoinedLinesAsync(context.In, cancellationToken);
        }

        using var ping = new RegistryPing(request.TlsVerify);
        if (userName.Length == 0 && secret.Length == 0 && existing?.Credentials is { UserName.Length: > 0, Password.Length: > 0 } stored)
        {
            context.Out.WriteLine($"Authenticating with existing credentials for {key.Key}");
            if ((await ping.CheckCredentialsAsync(key.Registry, stored, cancellationToken)).IsValid)
            {
                context.Out.WriteLine($"Existing credentials are valid. Already logged in to {key.Registry}");
                return ExitCodes.Ok;
            }

            context.Out.WriteLine("Existing credentials are invalid, please enter valid username and password");
        }

        if (userName.Length == 0 || secret.Length == 0)
        {
            if (!LoginSupport.IsInteractive(context))
            {
                if (TokenEnvelope.TryParse(existing?.Credentials?.Password) is { } stale && stale.ExpiresAt <= context.Time.GetUtcNow())
                {
                    return LoginSupport.Fail(
                        context,
                        $"the stored login for {key.Key} expired at {TokenTimes.Utc(stale.ExpiresAt)}: renew it with 'berth auth refresh {key.Key}', or log in again with 'berth login --username AWS --password-stdin {key.Key}'");
                }

                return LoginSupport.Fail(context, userName.Length == 0
                    ? "getting username and password: no --username given and stdin is not a terminal to ask for it"
                    : "getting username and password: no password given (use --password-stdin) and stdin is not a terminal to ask for it");
            }

            (userName, secret) = Prompt(context, userName, secret, existing?.UserName);
        }

        var credentials = new BasicCredentials(userName.Trim(), secret);
        var check = await ping.CheckCredentialsAsync(key.Registry, credentials, cancellationToken);
        switch (check.Status)
        {
            case CredentialCheckStatus.Valid:
                var written = store.Save(key.Key, credentials);
                if (request.Password is not null)
                {
                    // podman prints nothing here; docker does, and so do we (after the fact, so failures stay one line).
                    context.Error.WriteLine("WARNING! Using --password via the CLI is insecure. Use --password-stdin.");
                }

                if (request.Verbose)
                {
                    context.Out.WriteLine($"Used:  {written}");
                }

                context.Out.WriteLine("Login Succeeded!");
                return ExitCodes.Ok;
            case CredentialCheckStatus.InvalidCredentials:
                return LoginSupport.Fail(context, $"logging into \"{key.Key}\": invalid username/password");
            default:
                return LoginSupport.Fail(context, $"authenticating creds for \"{key.Key}\": {check.Message}");
        }
    }

    private static (string UserName, string Password) Prompt(CliContext context, string userName, string password, string? storedUser)
    {
        if (userName.Length == 0)
        {
            context.Out.Write(storedUser is null ? "Username: " : $"Username ({storedUser}): ");
            context.Out.Flush();
            userName = context.In.ReadLine() ?? "";
            if (userName.Trim().Length == 0)
            {
                userName = storedUser ?? "";
            }
        }

        if (password.Length == 0)
        {
            context.Out.Write("Password: ");
            context.Out.Flush();
            password = LoginSupport.ReadSecret();
            context.Out.WriteLine();
        }

        return (userName, password);
    }

    private sealed record LoginRequest(
        IReadOnlyList<string> Registries,
        string? UserName,
        string? Password,
        bool PasswordStdin,
        string? AuthFile,
        bool TlsVerify,
        bool GetLogin,
        bool Verbose,
        string? MissingValue)
    {
        // Never print the password, not even by accident in a debugger or a log.
        public override string ToString() => $"login {string.Join(' ', Registries)}";
    }
}
