using System.Text.Json;

namespace Berth.Testing;

/// <summary>An access key pair for <see cref="AwsCli"/> (in the environment only, never on a command line).</summary>
public sealed record AwsKey(string AccessKeyId, string SecretAccessKey)
{
    public override string ToString() => AccessKeyId;
}

/// <summary>The real aws CLI pointed at a test server with the bootstrap credentials (or <paramref name="key"/>) and
/// nothing of the machine's.</summary>
public sealed class AwsCli(BerthTestServer server, string home, AwsKey? key = null)
{
    private readonly string _aws = RealClients.Require("aws");

    /// <summary>The same CLI signing with another user's key.</summary>
    public AwsCli As(AwsKey other) => new(server, home, other);

    /// <summary>Runs <c>aws ecr ARGS --endpoint-url … --region us-east-1 --output json</c>.</summary>
    public Task<ProcessResult> EcrAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken = default) =>
        RunAsync("ecr", arguments, cancellationToken);

    /// <summary>Runs <c>aws iam ARGS --endpoint-url … --region us-east-1 --output json</c>.</summary>
    public Task<ProcessResult> IamAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken = default) =>
        RunAsync("iam", arguments, cancellationToken);

    /// <summary>Runs an <c>aws iam</c> command that must succeed and returns its JSON output (null when it prints nothing).</summary>
    public async Task<JsonDocument?> IamJsonAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken = default)
    {
        var result = await IamAsync(arguments, cancellationToken);
        Assert.True(result.ExitCode == 0, $"aws iam {string.Join(' ', arguments)}: {result}");
        return result.StandardOutput.Trim().Length == 0 ? null : JsonDocument.Parse(result.StandardOutput);
    }

    /// <summary><c>aws iam create-user</c> then <c>create-access-key</c>: a new user and its key.</summary>
    public async Task<AwsKey> CreateUserWithKeyAsync(string userName, CancellationToken cancellationToken = default)
    {
        (await IamJsonAsync(["create-user", "--user-name", userName], cancellationToken))?.Dispose();
        using var json = await IamJsonAsync(["create-access-key", "--user-name", userName], cancellationToken);
        var created = json!.RootElement.GetProperty("AccessKey");
        return new AwsKey(created.GetProperty("AccessKeyId").GetString()!, created.GetProperty("SecretAccessKey").GetString()!);
    }

    private Task<ProcessResult> RunAsync(string service, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var environment = new Dictionary<string, string?>(server.AwsEnvironment(home));
        if (key is not null)
        {
            environment["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(home, "aws-credentials-none");
            environment["AWS_PROFILE"] = null;
            environment["AWS_ACCESS_KEY_ID"] = key.AccessKeyId;
            environment["AWS_SECRET_ACCESS_KEY"] = key.SecretAccessKey;
        }

        return ProcessRunner.RunAsync(
            _aws,
            [service, .. arguments, "--endpoint-url", server.EndpointUrl, "--region", "us-east-1", "--output", "json"],
            environment,
            cancellationToken: cancellationToken);
    }

    /// <summary>Runs an <c>aws ecr</c> command that must succeed and returns its JSON output.</summary>
    public async Task<JsonDocument> EcrJsonAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken = default)
    {
        var result = await EcrAsync(arguments, cancellationToken);
        Assert.True(result.ExitCode == 0, $"aws ecr {string.Join(' ', arguments)}: {result}");
        return JsonDocument.Parse(result.StandardOutput);
    }

    /// <summary><c>aws ecr create-repository --repository-name NAME</c>; returns the <c>repository</c> object's JSON.</summary>
    public async Task<JsonElement> CreateRepositoryAsync(string name, CancellationToken cancellationToken = default)
    {
        using var json = await EcrJsonAsync(["create-repository", "--repository-name", name], cancellationToken);
        return json.RootElement.GetProperty("repository").Clone();
    }

    /// <summary>What <c>aws ecr get-login-password</c> prints (the password and a newline), ready for <c>--password-stdin</c>.</summary>
    public async Task<string> GetLoginPasswordOutputAsync(CancellationToken cancellationToken = default)
    {
        var result = await EcrAsync(["get-login-password"], cancellationToken);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.StandardOutput;
    }
}
