using System.CommandLine;
using Berth.Client.Ecr;

namespace Berth.Cli.Commands;

/// <summary><c>berth ecr</c>: the ECR API commands of the aws CLI, with the same output, messages and exit codes.</summary>
internal static class EcrCommand
{
    public static Command Create(CliContext context)
    {
        var ecr = new Command("ecr", "Amazon ECR API commands (work against Berth and against AWS).");
        ecr.Subcommands.Add(EcrGetLoginPasswordCommand.Create(context));
        return ecr;
    }
}

/// <summary>
/// <c>berth ecr get-login-password</c>: a drop-in for <c>aws ecr get-login-password</c>. Prints the registry password
/// and a newline; on failure prints the aws CLI's message and exits 255.
/// </summary>
internal static class EcrGetLoginPasswordCommand
{
    public static Command Create(CliContext context)
    {
        var endpointUrl = new Option<string>("--endpoint-url")
        {
            Description = "The ECR API URL, e.g. http://127.0.0.1:5000 [env: AWS_ENDPOINT_URL_ECR, AWS_ENDPOINT_URL]",
        };
        var region = new Option<string>("--region")
        {
            Description = "The region to sign for [env: AWS_REGION, AWS_DEFAULT_REGION]",
        };
        var profile = new Option<string>("--profile")
        {
            Description = "A profile from the AWS credentials/config files [env: AWS_PROFILE]",
        };
        var command = new Command(
            "get-login-password",
            "Print a registry password for 'podman login --username AWS --password-stdin <registry>' (like 'aws ecr get-login-password').")
        {
            endpointUrl, region, profile,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            var overrides = new AwsSettingsOverrides
            {
                EndpointUrl = parse.GetValue(endpointUrl),
                Region = parse.GetValue(region),
                Profile = parse.GetValue(profile),
            };
            return await RunAsync(context, overrides, cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, AwsSettingsOverrides overrides, CancellationToken cancellationToken)
    {
        try
        {
            var settings = AwsSettingsResolver.Resolve(overrides, context.Environment);
            using var client = new EcrClient(settings.ToClientOptions(context.Time));
            var response = await client.GetAuthorizationTokenAsync(cancellationToken: cancellationToken);

            // Like the CLI: only the first entry counts, and the user name is thrown away.
            var password = EcrAuthorizationToken.Decode(response.AuthorizationData[0].AuthorizationToken).Password;
            await context.Out.WriteAsync(password + "\n");
            await context.Out.FlushAsync(cancellationToken);
            return ExitCodes.Ok;
        }
        catch (AwsConfigurationException e) when (e.Error is AwsConfigurationError.MissingRegion or AwsConfigurationError.MissingCredentials)
        {
            // The CLI prints these two without the leading blank line it puts before every other error.
            return await FailAsync(context, e.Message, leadingNewLine: false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // AwsConfigurationException and EcrException carry the CLI's one-line messages; anything else is reported
            // the same way the CLI reports an unexpected error: its message on one line, never a stack trace.
            return await FailAsync(context, e.Message, leadingNewLine: true);
        }
    }

    private static async Task<int> FailAsync(CliContext context, string message, bool leadingNewLine)
    {
        await context.Error.WriteAsync((leadingNewLine ? "\n" : "") + message + "\n");
        await context.Error.FlushAsync();
        return ExitCodes.Aws;
    }
}
