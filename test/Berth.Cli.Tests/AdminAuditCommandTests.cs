using Berth.Testing;

namespace Berth.Cli.Tests;

public sealed class AdminAuditCommandTests : IDisposable
{
    private readonly TempDirectory _home = TempDirectory.Create("berth-home-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Audit_WithoutAuditLog_FailsWithOneLine()
    {
        using var data = TempDirectory.Create();
        var cli = new CliRunner(new Dictionary<string, string?>());

        var result = await cli.RunAsync(["admin", "audit", "--data-dir", data.Path], cancellationToken: Ct);

        Assert.Equal(1, result.ExitCode);
        Assert.Single(result.Error.TrimEnd().Split('\n'));
        Assert.StartsWith("Error: no audit log in", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Audit_BesideARunningServer_PrintsOneLinePerEvent_AndSinceFilters()
    {
        await using var server = await BerthTestServer.StartAsync(cancellationToken: Ct);
        var admin = new AwsCli(server, _home.Path);
        await admin.CreateRepositoryAsync("early/app", Ct);
        await Task.Delay(50, Ct);
        var between = DateTimeOffset.UtcNow;
        await Task.Delay(50, Ct);
        await admin.CreateRepositoryAsync("late/app", Ct);
        var cli = new CliRunner(new Dictionary<string, string?> { ["BERTH_DATA_DIR"] = server.DataDirectory });

        var all = await cli.RunAsync(["admin", "audit", "--since", "1h"], cancellationToken: Ct);
        var since = await cli.RunAsync(["admin", "audit", "--since", between.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture)], cancellationToken: Ct);
        var json = await cli.RunAsync(["admin", "audit", "--json"], cancellationToken: Ct);
        var bad = await cli.RunAsync(["admin", "audit", "--since", "yesterday-ish"], cancellationToken: Ct);

        Assert.True(all.ExitCode == 0, all.ToString());
        var lines = all.Output.TrimEnd().Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.Matches(
            @"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z admin\.change arn:aws:iam::000000000000:user/admin from 127\.0\.0\.1 ecr:CreateRepository on arn:aws:ecr:us-east-1:000000000000:repository/early/app repositoryName=early/app$",
            lines[0]);
        Assert.Contains("repositoryName=late/app", lines[1], StringComparison.Ordinal);

        Assert.True(since.ExitCode == 0, since.ToString());
        Assert.Equal(["late/app"], since.Output.TrimEnd().Split('\n').Select(l => l[(l.LastIndexOf('=') + 1)..]));

        Assert.Equal(
            await File.ReadAllTextAsync(Path.Combine(server.DataDirectory, "audit.log"), Ct),
            json.Output.ReplaceLineEndings("\n"));

        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--since 'yesterday-ish'", bad.Error, StringComparison.Ordinal);
    }

    public void Dispose() => _home.Dispose();
}
