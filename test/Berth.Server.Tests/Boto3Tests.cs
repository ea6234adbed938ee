using Berth.Testing;

namespace Berth.Server.Tests;

public sealed class Boto3Tests(BerthServerFixture fixture) : IClassFixture<BerthServerFixture>, IDisposable
{
    private readonly TempDirectory _home = TempDirectory.Create("berth-home-");

    [Fact]
    public async Task GetAuthorizationToken_Boto3_ExpiresAtIsATimezoneAwareDatetime()
    {
        var python = RealClients.RequirePythonWithBoto3();
        var server = fixture.Server;
        const string script = """
            import base64, boto3, os, sys
            ecr = boto3.client("ecr", endpoint_url=os.environ["BERTH_URL"], region_name="us-east-1")
            data = ecr.get_authorization_token()["authorizationData"][0]
            user, password = base64.b64decode(data["authorizationToken"]).decode().split(":")
            print(type(data["expiresAt"]).__name__, data["expiresAt"].tzinfo is not None, int(data["expiresAt"].timestamp()), user, data["proxyEndpoint"])
            """;
        var environment = new Dictionary<string, string?>(server.AwsEnvironment(_home.Path)) { ["BERTH_URL"] = server.EndpointUrl };

        var result = await ProcessRunner.RunAsync(python, ["-c", script], environment, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0, result.ToString());
        var fields = result.StandardOutput.Trim().Split(' ');
        Assert.Equal("datetime", fields[0]);
        Assert.Equal("True", fields[1]);
        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(long.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture));
        Assert.InRange(expiresAt - DateTimeOffset.UtcNow, TimeSpan.FromHours(11.98), TimeSpan.FromHours(12.02));
        Assert.Equal("AWS", fields[3]);
        Assert.Equal($"https://{server.Host}", fields[4]);
    }

    public void Dispose() => _home.Dispose();
}
