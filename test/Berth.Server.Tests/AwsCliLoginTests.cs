using System.Text.Json;
using Berth.Testing;

namespace Berth.Server.Tests;

/// <summary>The real aws CLI against the real server: the first half of the central login flow.</summary>
public sealed class AwsCliLoginTests(BerthServerFixture fixture) : IClassFixture<BerthServerFixture>, IDisposable
{
    private readonly TempDirectory _home = TempDirectory.Create("berth-home-");

    private BerthTestServer Server => fixture.Server;

    [Fact]
    public async Task GetLoginPassword_BootstrapCredentials_PrintsEcrShapedPasswordExpiringIn12Hours()
    {
        var aws = RealClients.Require("aws");
        var ct = TestContext.Current.CancellationToken;

        var result = await ProcessRunner.RunAsync(
            aws,
            ["ecr", "get-login-password", "--endpoint-url", Server.EndpointUrl, "--region", "us-east-1"],
            Server.AwsEnvironment(_home.Path),
            cancellationToken: ct);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.EndsWith("\n", result.StandardOutput, StringComparison.Ordinal);
        var password = result.StandardOutput.TrimEnd('\n');
        Assert.StartsWith("eyJwYXlsb2FkIjoi", password, StringComparison.Ordinal);
        Assert.DoesNotContain(":", password, StringComparison.Ordinal);

        using var json = JsonDocument.Parse(Convert.FromBase64String(password));
        var names = json.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(["payload", "datakey", "version", "type", "expiration"], names);
        Assert.Equal("2", json.RootElement.GetProperty("version").GetString());
        Assert.Equal("DATA_KEY", json.RootElement.GetProperty("type").GetString());
        Assert.StartsWith("AQ", json.RootElement.GetProperty("datakey").GetString(), StringComparison.Ordinal);
        var expiration = DateTimeOffset.FromUnixTimeSeconds(json.RootElement.GetProperty("expiration").GetInt64());
        Assert.InRange(expiration - DateTimeOffset.UtcNow, TimeSpan.FromHours(12) - TimeSpan.FromMinutes(1), TimeSpan.FromHours(12) + TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task GetLoginPassword_WrongSecret_Exits255WithInvalidSignatureException()
    {
        var aws = RealClients.Require("aws");
        var credentials = _home.Combine("credentials");
        await File.WriteAllTextAsync(credentials, $"[berth]\naws_access_key_id = {Server.AccessKeyId}\naws_secret_access_key = {new string('x', 40)}\n", TestContext.Current.CancellationToken);
        var environment = new Dictionary<string, string?>(Server.AwsEnvironment(_home.Path)) { ["AWS_SHARED_CREDENTIALS_FILE"] = credentials };

        var result = await ProcessRunner.RunAsync(
            aws, ["ecr", "get-login-password", "--endpoint-url", Server.EndpointUrl, "--region", "us-east-1"], environment, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(255, result.ExitCode);
        Assert.Contains("An error occurred (InvalidSignatureException) when calling the GetAuthorizationToken operation", result.StandardError, StringComparison.Ordinal);
        Assert.Equal("", result.StandardOutput);
    }

    [Fact]
    public async Task GetLoginPassword_UnknownAccessKey_Exits255WithUnrecognizedClientException()
    {
        var aws = RealClients.Require("aws");
        var environment = new Dictionary<string, string?>(Server.AwsEnvironment(_home.Path))
        {
            ["AWS_PROFILE"] = null,
            ["AWS_ACCESS_KEY_ID"] = "AKIAUNKNOWNUNKNOWN00",
            ["AWS_SECRET_ACCESS_KEY"] = Server.SecretAccessKey,
        };

        var result = await ProcessRunner.RunAsync(
            aws, ["ecr", "get-login-password", "--endpoint-url", Server.EndpointUrl, "--region", "us-east-1"], environment, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(255, result.ExitCode);
        Assert.Contains("(UnrecognizedClientException)", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("The security token included in the request is invalid", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetLoginPassword_NeverLogsTheSecretOrPassword()
    {
        var aws = RealClients.Require("aws");
        var result = await ProcessRunner.RunAsync(
            aws, ["ecr", "get-login-password", "--endpoint-url", Server.EndpointUrl, "--region", "us-east-1"], Server.AwsEnvironment(_home.Path), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(0, result.ExitCode);
        var password = result.StandardOutput.Trim();

        var logs = Server.Logs.AllText;
        Assert.Contains("GetAuthorizationToken -> 200", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(Server.SecretAccessKey, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(password[..40], logs, StringComparison.Ordinal);
        Assert.DoesNotContain("Signature=", logs, StringComparison.Ordinal);
    }

    public void Dispose() => _home.Dispose();
}
