using System.CommandLine;
using Berth.Registry;
using Berth.Server.Hosting;
using Microsoft.Extensions.Hosting;

namespace Berth.Cli.Commands;

/// <summary><c>berth serve</c>: runs the registry; every flag also reads a <c>BERTH_*</c> environment variable.</summary>
internal static class ServeCommand
{
    public static Command Create(CliContext context)
    {
        Option<string> Flag(string name, string env, string fallback, string description) =>
            new(name) { Description = $"{description} [env: {env}]", DefaultValueFactory = _ => context.Environment(env) ?? fallback };

        var dataDir = Flag("--data-dir", "BERTH_DATA_DIR", "berth-data", "Directory for the key ring, metadata and bootstrap credentials");
        var listen = Flag("--listen", "BERTH_LISTEN", "127.0.0.1:5000", "Address and port to listen on");
        var accountId = Flag("--account-id", "BERTH_ACCOUNT_ID", "000000000000", "12-digit account id in ARNs");
        var region = Flag("--region", "BERTH_REGION", "us-east-1", "Region clients sign for");
        var tokenTtl = Flag("--token-ttl", "BERTH_TOKEN_TTL", "12h", "Lifetime of authorization tokens (e.g. 12h, 30m)");
        var lifecycleInterval = Flag("--lifecycle-interval", "BERTH_LIFECYCLE_INTERVAL", "1h", "How often lifecycle policies are enforced (e.g. 1h, 15m; 0 or off: never)");
        var authFailureLimit = Flag("--auth-failure-limit", "BERTH_AUTH_FAILURE_LIMIT", "20", "Failed authentications per address or access key within the window before further attempts are throttled (0: off)");
        var authFailureWindow = Flag("--auth-failure-window", "BERTH_AUTH_FAILURE_WINDOW", "1m", "Window for counting failed authentications (e.g. 1m, 10m)");
        var publicUrl = Flag("--public-url", "BERTH_PUBLIC_URL", "", "Registry URL reported as proxyEndpoint and Basic realm (default: https://<Host>)");

        var createOnPush = new Option<bool>("--create-on-push")
        {
            Description = "Create a repository on the first push to it (ECR answers NAME_UNKNOWN instead) [env: BERTH_CREATE_ON_PUSH]",
            DefaultValueFactory = _ => context.Environment("BERTH_CREATE_ON_PUSH") is "1" or "true" or "TRUE" or "True",
        };

        var command = new Command("serve", "Run the registry (ECR API on POST /, OCI distribution on /v2/).")
        {
            dataDir, listen, accountId, region, tokenTtl, publicUrl, createOnPush, lifecycleInterval, authFailureLimit, authFailureWindow,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!BerthServerOptions.TryParseListen(parse.GetValue(listen)!, out var endpoint))
            {
                return Fail(context, $"invalid --listen '{parse.GetValue(listen)}': expected HOST:PORT, e.g. 127.0.0.1:5000");
            }

            var account = parse.GetValue(accountId)!;
            if (account.Length != 12 || !account.All(char.IsAsciiDigit))
            {
                return Fail(context, $"invalid --account-id '{account}': expected 12 digits");
            }

            if (!Durations.TryParse(parse.GetValue(tokenTtl), out var ttl))
            {
                return Fail(context, $"invalid --token-ttl '{parse.GetValue(tokenTtl)}': expected a duration such as 12h, 30m or 45s");
            }

            var intervalText = parse.GetValue(lifecycleInterval);
            var interval = TimeSpan.Zero;
            if (intervalText is not ("0" or "off") && !Durations.TryParse(intervalText, out interval))
            {
                return Fail(context, $"invalid --lifecycle-interval '{intervalText}': expected a duration such as 1h or 15m, or 0 to turn enforcement off");
            }

            var limitText = parse.GetValue(authFailureLimit);
            if (!int.TryParse(limitText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var limit))
            {
                return Fail(context, $"invalid --auth-failure-limit '{limitText}': expected a whole number, or 0 to turn throttling off");
            }

            if (!Durations.TryParse(parse.GetValue(authFailureWindow), out var window))
            {
                return Fail(context, $"invalid --auth-failure-window '{parse.GetValue(authFailureWindow)}': expected a duration such as 1m or 30s");
            }

            Uri? url = null;
            var urlText = parse.GetValue(publicUrl);
            if (!string.IsNullOrEmpty(urlText) && (!Uri.TryCreate(urlText, UriKind.Absolute, out url) || url.Scheme is not ("http" or "https")))
            {
                return Fail(context, $"invalid --public-url '{urlText}': expected http(s)://host[:port]");
            }

            var options = new BerthServerOptions
            {
                DataDirectory = Path.GetFullPath(parse.GetValue(dataDir)!),
                Listen = endpoint,
                Registry = new RegistryOptions { AccountId = account, Region = parse.GetValue(region)!, TokenTtl = ttl, CreateOnPush = parse.GetValue(createOnPush) },
                PublicUrl = url,
                LifecycleInterval = interval,
                AuthFailureLimit = limit,
                AuthFailureWindow = window,
            };
            return await RunAsync(context, options, cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, BerthServerOptions options, CancellationToken cancellationToken)
    {
        await using var app = BerthApplication.Build(options);
        var admin = await app.EnsureBootstrapAdminAsync(cancellationToken);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            return Fail(context, $"cannot listen on {options.Listen}: {e.Message}");
        }

        Announce(context, options, admin, app.BoundAddress());

        // SIGINT/SIGTERM cancel the token (System.CommandLine) and stop the host (console lifetime); either ends the wait.
        await app.WaitForShutdownAsync(cancellationToken);
        await app.StopAsync(CancellationToken.None);
        return ExitCodes.Ok;
    }

    private static void Announce(CliContext context, BerthServerOptions options, BootstrapAdmin admin, Uri bound)
    {
        var host = bound.Host is "0.0.0.0" or "[::]" ? $"127.0.0.1:{bound.Port}" : bound.Authority;
        var o = context.Out;
        o.WriteLine($"Berth is serving http://{host} (data: {options.DataDirectory}, account {options.Registry.AccountId}, region {options.Registry.Region}).");
        o.WriteLine(admin.Created
            ? $"Created the bootstrap admin: access key {admin.AccessKeyId}, written to {admin.CredentialsFile} (profile {DataDirectory.Profile}, mode 0600)."
            : $"Bootstrap admin credentials: {admin.CredentialsFile} (profile {DataDirectory.Profile}).");
        o.WriteLine("Log in with the AWS CLI and podman:");
        o.WriteLine($"  export AWS_SHARED_CREDENTIALS_FILE={admin.CredentialsFile} AWS_PROFILE={DataDirectory.Profile}");
        o.WriteLine($"  aws ecr get-login-password --endpoint-url http://{host} --region {options.Registry.Region} \\");
        o.WriteLine($"    | podman login --username AWS --password-stdin --tls-verify=false {host}");
        o.Flush();
    }

    private static int Fail(CliContext context, string message)
    {
        context.Error.WriteLine($"Error: {message}");
        return ExitCodes.Failure;
    }
}
