using System.CommandLine;
using System.Xml.Linq;
using Berth.Client.Ecr;
using Berth.Client.Iam;

namespace Berth.Cli.Commands;

/// <summary>
/// <c>berth admin user|access-key|policy|revoke-tokens</c>: thin clients of the server's IAM API, signed with the AWS
/// credential chain (environment, shared files, profiles) like <c>berth ecr</c>, so they work against a remote server.
/// </summary>
internal static class AdminIamCommands
{
    public static void AddTo(Command admin, CliContext context)
    {
        var user = new Command("user", "Manage users (IAM CreateUser, GetUser, ListUsers, DeleteUser).");
        user.Subcommands.Add(Call(context, "create", "Create a user.", "CreateUser", [Positional("name", "UserName")], Print(UserLine, "User")));
        user.Subcommands.Add(Call(context, "get", "Show a user (yourself without a name).", "GetUser", [Positional("name", "UserName", optional: true)], Print(UserLine, "User")));
        user.Subcommands.Add(Call(context, "list", "List users.", "ListUsers", [], PrintMembers("Users", UserLine)));
        user.Subcommands.Add(Call(context, "delete", "Delete a user that has no access keys or policies left.", "DeleteUser", [Positional("name", "UserName")], Done("Deleted user")));
        admin.Subcommands.Add(user);

        var key = new Command("access-key", "Manage access keys (IAM CreateAccessKey, ListAccessKeys, UpdateAccessKey, DeleteAccessKey).");
        key.Subcommands.Add(Call(context, "create", "Create an access key; its secret is shown this once.", "CreateAccessKey", [UserOption()], (output, result) =>
        {
            var created = result.Elements().Single(e => e.Name.LocalName == "AccessKey");
            output.WriteLine($"aws_access_key_id = {IamClient.Value(created, "AccessKeyId")}");
            output.WriteLine($"aws_secret_access_key = {IamClient.Value(created, "SecretAccessKey")}");
        }));
        key.Subcommands.Add(Call(context, "list", "List a user's access keys.", "ListAccessKeys", [UserOption()], PrintMembers("AccessKeyMetadata", k =>
            $"{IamClient.Value(k, "AccessKeyId")}\t{IamClient.Value(k, "Status")}\t{IamClient.Value(k, "CreateDate")}\t{IamClient.Value(k, "UserName")}")));
        key.Subcommands.Add(Call(context, "activate", "Activate an access key.", "UpdateAccessKey", [UserOption(), KeyId(), Fixed("Status", "Active")], Done("Activated")));
        key.Subcommands.Add(Call(context, "deactivate", "Deactivate an access key; tokens it issued stop working within seconds.", "UpdateAccessKey", [UserOption(), KeyId(), Fixed("Status", "Inactive")], Done("Deactivated")));
        key.Subcommands.Add(Call(context, "delete", "Delete an access key; tokens it issued stop working within seconds.", "DeleteAccessKey", [UserOption(), KeyId()], Done("Deleted")));
        admin.Subcommands.Add(key);

        var policy = new Command("policy", "Manage inline user policies (IAM PutUserPolicy, GetUserPolicy, ListUserPolicies, DeleteUserPolicy).");
        policy.Subcommands.Add(Call(context, "put", "Attach or replace a user's inline policy (the JSON document from --document-file, or stdin).", "PutUserPolicy",
            [UserOption(required: true), PolicyName(), Document(context)], Done("Put policy")));
        policy.Subcommands.Add(Call(context, "get", "Print a user's inline policy document.", "GetUserPolicy", [UserOption(required: true), PolicyName()], (output, result) =>
            output.WriteLine(Uri.UnescapeDataString(IamClient.Value(result, "PolicyDocument") ?? "").TrimEnd())));
        policy.Subcommands.Add(Call(context, "list", "List a user's inline policies.", "ListUserPolicies", [UserOption(required: true)], PrintMembers("PolicyNames", n => n.Value)));
        policy.Subcommands.Add(Call(context, "delete", "Delete a user's inline policy.", "DeleteUserPolicy", [UserOption(required: true), PolicyName()], Done("Deleted policy")));
        admin.Subcommands.Add(policy);

        admin.Subcommands.Add(Call(context, "revoke-tokens", "Invalidate every registry token the user holds now; tokens issued afterwards work.", "RevokeUserTokens",
            [UserOption(required: true)], (output, result) => output.WriteLine($"Revoked every token issued before {IamClient.Value(result, "TokensNotBefore")}.")));
    }

    /// <summary>One command-line input that becomes one IAM parameter.</summary>
    private sealed record Input(Symbol? Symbol, Func<ParseResult, string?> Read, string Parameter);

    private static Input Positional(string name, string parameter, bool optional = false)
    {
        var argument = new Argument<string>(name) { Arity = optional ? ArgumentArity.ZeroOrOne : ArgumentArity.ExactlyOne };
        return new Input(argument, parse => parse.GetValue(argument), parameter);
    }

    private static Input UserOption(bool required = false)
    {
        var option = new Option<string>("--user") { Description = required ? "The user" : "The user (default: yourself)", Required = required };
        return new Input(option, parse => parse.GetValue(option), "UserName");
    }

    private static Input KeyId()
    {
        var option = new Option<string>("--id") { Description = "The access key id (AKIA…)", Required = true };
        return new Input(option, parse => parse.GetValue(option), "AccessKeyId");
    }

    private static Input PolicyName()
    {
        var option = new Option<string>("--name") { Description = "The policy name", Required = true };
        return new Input(option, parse => parse.GetValue(option), "PolicyName");
    }

    private static Input Fixed(string parameter, string value) => new(null, _ => value, parameter);

    private static Input Document(CliContext context)
    {
        var option = new Option<string>("--document-file") { Description = "The policy JSON file ('-' or absent: standard input)" };
        return new Input(option, parse => parse.GetValue(option) is { } path && path != "-" ? File.ReadAllText(path) : context.In.ReadToEnd(), "PolicyDocument");
    }

    private static Command Call(CliContext context, string name, string description, string action, Input[] inputs, Action<TextWriter, XElement> print)
    {
        var endpointUrl = new Option<string>("--endpoint-url") { Description = "The server's URL, e.g. http://127.0.0.1:5000 [env: AWS_ENDPOINT_URL_IAM, AWS_ENDPOINT_URL]" };
        var region = new Option<string>("--region") { Description = "The region to sign for [env: AWS_REGION, AWS_DEFAULT_REGION]" };
        var profile = new Option<string>("--profile") { Description = "A profile from the AWS credentials/config files [env: AWS_PROFILE]" };
        var command = new Command(name, description) { endpointUrl, region, profile };
        foreach (var input in inputs)
        {
            switch (input.Symbol)
            {
                case Argument argument:
                    command.Arguments.Add(argument);
                    break;
                case Option option:
                    command.Options.Add(option);
                    break;
            }
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                var settings = AwsSettingsResolver.Resolve(
                    new AwsSettingsOverrides { EndpointUrl = parse.GetValue(endpointUrl), Region = parse.GetValue(region), Profile = parse.GetValue(profile) },
                    context.Environment,
                    service: "iam");
                var parameters = inputs
                    .Select(i => (i.Parameter, Value: i.Read(parse)))
                    .Where(p => p.Value is not null)
                    .Select(p => KeyValuePair.Create(p.Parameter, p.Value!));
                using var client = new IamClient(settings.ToClientOptions(context.Time));
                var result = await client.CallAsync(action, parameters, cancellationToken);
                print(context.Out, result);
                return ExitCodes.Ok;
            }
            catch (Exception e) when (e is EcrException or AwsConfigurationException or IOException or UnauthorizedAccessException)
            {
                // One line, never a stack trace; the messages carry no secret.
                await context.Error.WriteLineAsync("Error: " + e.Message);
                return ExitCodes.Failure;
            }
        });
        return command;
    }

    private static string UserLine(XElement user) =>
        $"{IamClient.Value(user, "UserName")}\t{IamClient.Value(user, "UserId")}\t{IamClient.Value(user, "Arn")}\t{IamClient.Value(user, "CreateDate")}";

    private static Action<TextWriter, XElement> Print(Func<XElement, string> line, string element) =>
        (output, result) => output.WriteLine(line(result.Elements().Single(e => e.Name.LocalName == element)));

    private static Action<TextWriter, XElement> PrintMembers(string list, Func<XElement, string> line) =>
        (output, result) =>
        {
            foreach (var member in IamClient.Members(result, list))
            {
                output.WriteLine(line(member));
            }
        };

    private static Action<TextWriter, XElement> Done(string what) => (output, _) => output.WriteLine(what + ".");
}
