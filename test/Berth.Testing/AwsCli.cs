using System.Text.Json;

namespace Berth.Testing;

/// <summary>The real aws CLI pointed at a test server with the bootstrap credentials and nothing of the machine's.</summary>
public sealed class AwsCli(BerthTestServer server, string home)
{
    private readonly string _aws = RealClients.Require("aws");

    /// <summary>Runs <c>aws ecr ARGS --endpoint-url … --region us-east-1 --output json</c>.</summary>
    public Task<ProcessResult> EcrAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken = default) =>
        ProcessRunner.RunAsync(
            _aws,
            ["ecr", .. arguments, "--endpoint-url", server.EndpointUrl, "--region", "us-east-1", "--output", "json"],
            server.AwsEnvironment(home),
            cancellationToken: cancellationToken);

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
