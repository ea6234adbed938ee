using System.Net;
using System.Text;
using Berth.Testing;
using Berth.Testing.Podman;

namespace Berth.Cli.Tests;

/// <summary><c>berth admin user|access-key|policy|revoke-tokens</c> against a real server, checked with the real aws CLI
/// and podman.</summary>
public sealed class AdminIamCommandTests : IDisposable
{
    private const string PullTeam = """
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"],"Resource":"arn:aws:ecr:*:*:repository/team/*"}]}
        """;

    private readonly TempDirectory _home = TempDirectory.Create("berth-home-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UserKeyAndPolicyCommands_DriveTheIamApi_AndTheAwsCliSeesTheResult()
    {
        await using var server = await BerthTestServer.StartAsync(cancellationToken: Ct);
        var cli = new CliRunner(server.AwsEnvironment(_home.Path));
        string[] endpoint = ["--endpoint-url", server.EndpointUrl];

        var created = await cli.RunAsync(["admin", "user", "create", "dev", .. endpoint], cancellationToken: Ct);
        var key = await cli.RunAsync(["admin", "access-key", "create", "--user", "dev", .. endpoint], cancellationToken: Ct);
        var put = await cli.RunAsync(["admin", "policy", "put", "--user", "dev", "--name", "pull", .. endpoint], PullTeam, Ct);
        var got = await cli.RunAsync(["admin", "policy", "get", "--user", "dev", "--name", "pull", .. endpoint], cancellationToken: Ct);
        var users = await cli.RunAsync(["admin", "user", "list", .. endpoint], cancellationToken: Ct);

        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Contains("arn:aws:iam::000000000000:user/dev", created.Output, StringComparison.Ordinal);
        Assert.True(key.ExitCode == 0, key.ToString());
        var lines = key.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(" = ")).ToDictionary(p => p[0], p => p[1]);
        Assert.Matches("^AKIA[A-Z2-7]{16}$", lines["aws_access_key_id"]);
        Assert.Equal(40, lines["aws_secret_access_key"].Length);
        Assert.True(put.ExitCode == 0, put.ToString());
        Assert.Equal(PullTeam.Trim(), got.Output.Trim());
        Assert.Equal(["admin", "dev"], users.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')[0]));

        // The new key works with the aws CLI, and the aws CLI sees what berth did.
        var asDev = new AwsCli(server, _home.Path, new AwsKey(lines["aws_access_key_id"], lines["aws_secret_access_key"]));
        Assert.StartsWith("eyJwYXlsb2FkIjoi", await asDev.GetLoginPasswordOutputAsync(Ct), StringComparison.Ordinal);
        using var policies = await new AwsCli(server, _home.Path).IamJsonAsync(["list-user-policies", "--user-name", "dev"], Ct);
        Assert.Equal(["pull"], policies!.RootElement.GetProperty("PolicyNames").EnumerateArray().Select(p => p.GetString()));

        var conflict = await cli.RunAsync(["admin", "user", "delete", "dev", .. endpoint], cancellationToken: Ct);
        Assert.Equal(1, conflict.ExitCode);
        Assert.Equal(
            "Error: An error occurred (DeleteConflict) when calling the DeleteUser operation: Cannot delete entity, must delete access keys first.",
            conflict.Error.TrimEnd());

        foreach (var step in new[]
        {
            new[] { "admin", "access-key", "delete", "--user", "dev", "--id", lines["aws_access_key_id"] },
            ["admin", "policy", "delete", "--user", "dev", "--name", "pull"],
            ["admin", "user", "delete", "dev"],
        })
        {
            var result = await cli.RunAsync([.. step, .. endpoint], cancellationToken: Ct);
            Assert.True(result.ExitCode == 0, result.ToString());
        }

        var gone = await cli.RunAsync(["admin", "user", "get", "dev", .. endpoint], cancellationToken: Ct);
        Assert.Equal(1, gone.ExitCode);
        Assert.Contains("(NoSuchEntity)", gone.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminCommand_WithoutCredentials_FailsWithTheAwsCliMessage()
    {
        var cli = new CliRunner(new Dictionary<string, string?> { ["HOME"] = _home.Path });

        var result = await cli.RunAsync(["admin", "user", "list", "--endpoint-url", "http://127.0.0.1:9", "--region", "us-east-1"], cancellationToken: Ct);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("Error: Unable to locate credentials. You can configure credentials by running \"aws configure\".", result.Error.TrimEnd());
    }

    [Fact]
    public async Task RevokeTokens_TokenInPodmansAuthFileStopsWorkingWithin5Seconds_WhileANewLoginWorks()
    {
        await using var server = await BerthTestServer.StartAsync(cancellationToken: Ct);
        using var sandbox = await PodmanSandbox.CreateAsync(Ct);
        var admin = new AwsCli(server, _home.Path);
        var image = await sandbox.PushNewImageAsync(server, admin, "team/app", 41, Ct);
        var dev = admin.As(await admin.CreateUserWithKeyAsync("dev", Ct));
        (await admin.IamJsonAsync(["put-user-policy", "--user-name", "dev", "--policy-name", "pull", "--policy-document", PullTeam], Ct))?.Dispose();
        await sandbox.LoginAsync(server.Host, await dev.GetLoginPasswordOutputAsync(Ct), Ct);
        var stored = sandbox.ReadStoredAuth(server.Host)!;
        Assert.Equal(HttpStatusCode.OK, await RegistryProbe.ManifestStatusAsync(server, stored, "team/app", "v1", Ct));

        var revoke = await new CliRunner(server.AwsEnvironment(_home.Path))
            .RunAsync(["admin", "revoke-tokens", "--user", "dev", "--endpoint-url", server.EndpointUrl], cancellationToken: Ct);

        Assert.True(revoke.ExitCode == 0, revoke.ToString());
        Assert.StartsWith("Revoked every token issued before ", revoke.Output, StringComparison.Ordinal);
        await sandbox.AssertTokenRevokedAsync(server, image, stored, "all tokens of its user were revoked", Ct);

        // A token issued after the revocation works: the user was not locked out, only the old tokens.
        await sandbox.LoginAsync(server.Host, await dev.GetLoginPasswordOutputAsync(Ct), Ct);
        var pull = await sandbox.RunPodmanAsync(["pull", "--tls-verify=false", image.Tag], timeout: TimeSpan.FromMinutes(5), cancellationToken: Ct);
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.NotEqual(stored, sandbox.ReadStoredAuth(server.Host));
        Assert.DoesNotContain(Encoding.UTF8.GetString(Convert.FromBase64String(stored))[4..], server.Logs.AllText, StringComparison.Ordinal);
    }

    public void Dispose() => _home.Dispose();
}
