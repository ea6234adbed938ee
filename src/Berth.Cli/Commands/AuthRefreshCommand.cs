using System.CommandLine;
using Berth.Client.Auth;
using Berth.Client.CredentialHelper;
using Berth.Client.Ecr;
using Berth.Protocol.Tokens;

namespace Berth.Cli.Commands;

/// <summary>
/// <c>berth auth refresh</c>: renews ECR-style logins in place (same file, same key) with a new token from
/// <c>GetAuthorizationToken</c>, through the same endpoint/region/profile rules as <c>docker-credential-berth</c>.
/// </summary>
internal static class AuthRefreshCommand
{
    public static Command Create(CliContext context)
    {
        var registry = new Argument<string?>("REGISTRY") { Description = "The registry whose login to renew (host[:port] or host[:port]/namespace)", Arity = ArgumentArity.ZeroOrOne };
        var all = new Option<bool>("--all", "-a") { Description = "Renew every ECR-style login that has expired or expires within --within" };
        var within = new Option<string>("--within") { Description = "With --all: also renew logins that expire within this time (e.g. 1h, 30m)", DefaultValueFactory = _ => "1h" };
        var authFile = new Option<string?>("--authfile") { Description = "Only this auth file [env: REGISTRY_AUTH_FILE]" };
        var endpointUrl = new Option<string?>("--endpoint-url") { Description = "The ECR API that issues the tokens [default: berth's config.json, or the AWS endpoint for ECR hosts]" };
        var region = new Option<string?>("--region") { Description = "The region to sign for" };
        var profile = new Option<string?>("--profile") { Description = "The AWS profile to use" };
        var command = new Command("refresh", "Renew expired or expiring ECR-style logins in place with new tokens from GetAuthorizationToken.")
        {
            registry, all, within, authFile, endpointUrl, region, profile,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            var target = parse.GetValue(registry);
            if ((target is null) == !parse.GetValue(all))
            {
                return LoginSupport.Fail(context, "give either a REGISTRY or --all", ExitCodes.Failure);
            }

            if (!Durations.TryParse(parse.GetValue(within), out var threshold))
            {
                return LoginSupport.Fail(context, $"invalid --within '{parse.GetValue(within)}': expected a duration such as 1h or 30m", ExitCodes.Failure);
            }

            var overrides = new AwsSettingsOverrides { EndpointUrl = parse.GetValue(endpointUrl), Region = parse.GetValue(region), Profile = parse.GetValue(profile) };
            try
            {
                return await RunAsync(context, target, threshold, parse.GetValue(authFile), overrides, cancellationToken);
            }
            catch (Exception e) when (e is AuthFileException or CredentialHelperException or AwsConfigurationException or EcrException)
            {
                return LoginSupport.Fail(context, e.Message, ExitCodes.Failure);
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(
        CliContext context, string? target, TimeSpan threshold, string? authFile, AwsSettingsOverrides overrides, CancellationToken cancellationToken)
    {
        var locations = LoginSupport.Locations(context, authFile);
        var paths = BerthUserPaths.Resolve(context.Environment);
        var minter = new TokenMinter(HelperConfig.Load(paths.ConfigFile), paths, context.Environment, context.Time);
        var now = context.Time.GetUtcNow();
        List<StoredLogin> chosen;
        if (target is not null)
        {
            var key = AuthKeys.Parse(target);
            var found = new AuthStore(locations).Find(key.Key);
            if (found is null)
            {
                return LoginSupport.Fail(context, $"not logged into {key.Key}: log in with 'berth login {key.Key}' (or podman login)", ExitCodes.Failure);
            }

            if (found.CredentialHelper is { } helper)
            {
                return await RefreshHelperAsync(context, minter, key.Registry, helper, found.Source, overrides, cancellationToken);
            }

            if (TokenEnvelope.TryParse(found.Credentials?.Password) is null)
            {
                return LoginSupport.Fail(
                    context,
                    $"the login for {found.Key} in {found.Source} is not an ECR-style token, so it cannot be renewed from GetAuthorizationToken; log in again with 'berth login {found.Key}'",
                    ExitCodes.Failure);
            }

            chosen = [new StoredLogin(found.Key, found.Source, false, null, null)];
        }
        else
        {
            chosen = AuthLogins.ReadAll(locations, out _)
                .Where(l => !l.LegacyFormat && l.Token is { } token && token.ExpiresAt - now < threshold)
                .ToList();
            if (chosen.Count == 0)
            {
                context.Out.WriteLine($"No ECR-style login expires within {TokenTimes.Span(threshold)}; nothing to renew.");
                return ExitCodes.Ok;
            }
        }

        var failed = 0;
        foreach (var login in chosen)
        {
            var registry = AuthKeys.RegistryOf(login.Key);
            if (!minter.CanMint(registry, overrides))
            {
                failed++;
                context.Error.WriteLine($"Error: no ECR API is known for {registry}: pass --endpoint-url URL (and --region, --profile), "
                    + $"or configure it once with 'berth credential-helper install --registry {registry} --endpoint-url URL'");
                continue;
            }

            try
            {
                var minted = await minter.GetAsync(registry, overrides, forceRefresh: true, cancellationToken);
                new AuthFile(login.Source).Update(document =>
                {
                    document.SetCredentials(login.Key, minted.Credentials);
                    return true;
                });
                context.Out.WriteLine($"Renewed {login.Key} in {login.Source}: {TokenTimes.Status(minted.ExpiresAt, context.Time.GetUtcNow())} ({TokenTimes.Utc(minted.ExpiresAt)}).");
            }
            catch (Exception e) when (e is AuthFileException or CredentialHelperException or AwsConfigurationException or EcrException)
            {
                failed++;
                context.Error.WriteLine($"Error: renewing {login.Key} in {login.Source}: {e.Message.ReplaceLineEndings(" ")}");
            }
        }

        return failed == 0 ? ExitCodes.Ok : ExitCodes.Failure;
    }

    // The helper holds the secret; renewing means refilling its cache, and only docker-credential-berth's cache is ours.
    private static async Task<int> RefreshHelperAsync(
        CliContext context, TokenMinter minter, string registry, string helper, string source, AwsSettingsOverrides overrides, CancellationToken cancellationToken)
    {
        if (helper != CredentialHelperCommand.HelperSuffix)
        {
            return LoginSupport.Fail(context, $"the credentials for {registry} are kept by docker-credential-{helper} ({source}), which berth cannot renew", ExitCodes.Failure);
        }

        var minted = await minter.GetAsync(registry, overrides, forceRefresh: true, cancellationToken);
        context.Out.WriteLine($"Renewed the token {DockerCredentialHelper.Name} serves for {registry}: {TokenTimes.Status(minted.ExpiresAt, context.Time.GetUtcNow())} ({TokenTimes.Utc(minted.ExpiresAt)}).");
        return ExitCodes.Ok;
    }
}
