using System.Text.Json;
using Berth.Testing;

namespace Berth.Server.Tests;

/// <summary>The audit log as the real aws CLI fills it: admin changes, tokens issued and denials, one JSON line each.</summary>
public sealed class AuditLogTests : IDisposable
{
    private const string Account = "000000000000";
    private const string TokenOnly = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"}]}""";

    private readonly TempDirectory _home = TempDirectory.Create("berth-home-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AdminChangesTokensAndDenials_AreJsonLines_WithoutSecrets_InA0600File()
    {
        await using var server = await BerthTestServer.StartAsync(cancellationToken: Ct);
        var admin = new AwsCli(server, _home.Path);
        var started = DateTimeOffset.UtcNow.AddSeconds(-1);

        var key = await admin.CreateUserWithKeyAsync("ci", Ct);
        (await admin.IamJsonAsync(["put-user-policy", "--user-name", "ci", "--policy-name", "token", "--policy-document", TokenOnly], Ct))?.Dispose();
        var ci = admin.As(key);
        var password = await ci.GetLoginPasswordOutputAsync(Ct);
        var denied = await ci.EcrAsync(["create-repository", "--repository-name", "team/app"], Ct);
        Assert.Equal(255, denied.ExitCode);
        await admin.CreateRepositoryAsync("team/app", Ct);

        var path = Path.Combine(server.DataDirectory, "audit.log");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        var text = await File.ReadAllTextAsync(path, Ct);
        Assert.DoesNotContain(key.SecretAccessKey, text, StringComparison.Ordinal);
        Assert.DoesNotContain(server.SecretAccessKey, text, StringComparison.Ordinal);
        Assert.DoesNotContain(password.Trim(), text, StringComparison.Ordinal);
        Assert.DoesNotContain("Statement", text, StringComparison.Ordinal);

        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(
            ["admin.change iam:CreateUser", "admin.change iam:CreateAccessKey", "admin.change iam:PutUserPolicy", "token.issued ecr:GetAuthorizationToken",
             "access.denied ecr:CreateRepository", "admin.change ecr:CreateRepository"],
            lines.Select(l => $"{l.GetProperty("event").GetString()} {l.GetProperty("action").GetString()}"));
        foreach (var line in lines)
        {
            var time = line.GetProperty("time").GetString()!;
            Assert.EndsWith("Z", time, StringComparison.Ordinal);
            var at = DateTimeOffset.Parse(time, System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(at, started, DateTimeOffset.UtcNow.AddSeconds(1));
            Assert.Equal("127.0.0.1", line.GetProperty("source").GetString());
        }

        var adminArn = $"arn:aws:iam::{Account}:user/admin";
        var ciArn = $"arn:aws:iam::{Account}:user/ci";
        var repositoryArn = $"arn:aws:ecr:us-east-1:{Account}:repository/team/app";

        Assert.Equal(adminArn, lines[0].GetProperty("principal").GetString());
        Assert.Equal(ciArn, lines[0].GetProperty("resource").GetString());
        Assert.Equal("ci", lines[0].GetProperty("details").GetProperty("userName").GetString());

        Assert.Equal(key.AccessKeyId, lines[1].GetProperty("details").GetProperty("accessKeyId").GetString());
        Assert.Equal("token", lines[2].GetProperty("details").GetProperty("policyName").GetString());

        var token = lines[3];
        Assert.Equal(ciArn, token.GetProperty("principal").GetString());
        Assert.Equal("ci", token.GetProperty("details").GetProperty("userName").GetString());
        Assert.Equal(key.AccessKeyId, token.GetProperty("details").GetProperty("accessKeyId").GetString());
        var expires = DateTimeOffset.Parse(token.GetProperty("details").GetProperty("expiresAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromHours(11), TimeSpan.FromHours(12.1));

        Assert.Equal(ciArn, lines[4].GetProperty("principal").GetString());
        Assert.Equal(repositoryArn, lines[4].GetProperty("resource").GetString());

        Assert.Equal(adminArn, lines[5].GetProperty("principal").GetString());
        Assert.Equal(repositoryArn, lines[5].GetProperty("resource").GetString());
        Assert.Equal("team/app", lines[5].GetProperty("details").GetProperty("repositoryName").GetString());
    }

    [Fact]
    public async Task ConcurrentChanges_NeverInterleaveLines()
    {
        await using var server = await BerthTestServer.StartAsync(cancellationToken: Ct);
        var audit = (Berth.Registry.Audit.IAuditLog)server.Services.GetService(typeof(Berth.Registry.Audit.IAuditLog))!;
        var details = new Dictionary<string, string> { ["padding"] = new('x', 8000) };

        await Parallel.ForAsync(0, 400, Ct, (i, _) =>
        {
            audit.Write(new Berth.Registry.Audit.AuditEvent("test", $"p{i}", Details: details));
            return ValueTask.CompletedTask;
        });

        var lines = await File.ReadAllLinesAsync(Path.Combine(server.DataDirectory, "audit.log"), Ct);
        Assert.Equal(400, lines.Length);
        Assert.Equal(Enumerable.Range(0, 400).Select(i => $"p{i}").Order(), lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("principal").GetString()).Order());
    }

    public void Dispose() => _home.Dispose();
}
