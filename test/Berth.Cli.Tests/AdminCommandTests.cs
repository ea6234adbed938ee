using Berth.Protocol;
using Berth.Registry.Lifecycle;
using Berth.Registry.Metadata;
using Berth.Registry.Repositories;
using Microsoft.Extensions.DependencyInjection;
using Berth.Testing;

namespace Berth.Cli.Tests;

public sealed class AdminCommandTests
{
    [Fact]
    public async Task RotateKey_WithoutKeyRing_FailsWithOneLine()
    {
        using var data = TempDirectory.Create();
        var cli = new CliRunner(new Dictionary<string, string?>());

        var result = await cli.RunAsync(["admin", "rotate-key", "--data-dir", data.Path], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(1, result.ExitCode);
        Assert.Single(result.Error.TrimEnd().Split('\n'));
        Assert.StartsWith("Error: no key ring in", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RotateKey_OnServerData_TokensFromBeforeStillValidate()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await BerthTestServer.StartAsync(cancellationToken: ct);
        var before = await server.IssuePasswordAsync(ct);
        var cli = new CliRunner(new Dictionary<string, string?> { ["BERTH_DATA_DIR"] = server.DataDirectory });

        var result = await cli.RunAsync(["admin", "rotate-key"], cancellationToken: ct);
        var after = await server.IssuePasswordAsync(ct);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Rotated the master key", result.Output, StringComparison.Ordinal);
        using var http = new HttpClient();
        foreach (var password in new[] { before, after })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.BaseAddress, "/v2/"));
            request.Headers.Authorization = new("Basic", new Berth.Protocol.Tokens.BasicCredentials("AWS", password).Encode());
            using var response = await http.SendAsync(request, ct);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        }

        // The new token was sealed by a different key than the old one.
        Assert.NotEqual(DataKeyId(before), DataKeyId(after));
    }

    [Fact]
    public async Task RunLifecycle_OnServerData_ExpiresWhatThePolicySaysAndReportsEachImage()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await BerthTestServer.StartAsync(o => o with { LifecycleInterval = TimeSpan.Zero }, cancellationToken: ct);
        await server.Services.GetRequiredService<RepositoryService>().CreateAsync("team/app", "MUTABLE", null, false, null, ct);
        var manifests = server.Services.GetRequiredService<IManifestStore>();
        var digests = new Dictionary<string, Digest>();
        foreach (var (tag, daysAgo) in new[] { ("t1", 10), ("t2", 5), ("t3", 1) })
        {
            var content = System.Text.Encoding.UTF8.GetBytes($$$"""{"schemaVersion":2,"annotations":{"tag":"{{{tag}}}"}}""");
            digests[tag] = Digest.Sha256(content);
            var record = new ManifestRecord(digests[tag], MediaTypes.OciManifest, content, null, null, null, DateTimeOffset.UtcNow.AddDays(-daysAgo));
            await manifests.PutManifestAsync("team/app", record, tag, ct);
        }

        const string Policy = """{"rules":[{"rulePriority":1,"description":"newest only","selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}""";
        await server.Services.GetRequiredService<LifecycleService>().PutAsync("team/app", Policy, ct);
        var cli = new CliRunner(new Dictionary<string, string?> { ["BERTH_DATA_DIR"] = server.DataDirectory });

        var result = await cli.RunAsync(["admin", "run-lifecycle"], cancellationToken: ct);

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Output.TrimEnd().Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.StartsWith($"expired team/app@{digests["t1"]} (tags t1; rule 1; pushed ", lines[0], StringComparison.Ordinal);
        Assert.StartsWith($"expired team/app@{digests["t2"]} (tags t2; rule 1; pushed ", lines[1], StringComparison.Ordinal);
        Assert.Equal("Lifecycle run: 2 image(s) expired in 1 repositories.", lines[2]);
        Assert.Null(await manifests.FindTagAsync("team/app", "t1", ct));
        Assert.Null(await manifests.FindTagAsync("team/app", "t2", ct));
        Assert.Equal(digests["t3"], await manifests.FindTagAsync("team/app", "t3", ct));

        // Each expiry is in the audit log too, beside the running server's own lines.
        var audit = await cli.RunAsync(["admin", "audit", "--json"], cancellationToken: ct);
        var expiries = audit.Output.TrimEnd().Split('\n')
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("event").GetString() == "lifecycle.expire")
            .Select(e => $"{e.GetProperty("resource").GetString()} {e.GetProperty("details").GetProperty("imageDigest").GetString()} {e.GetProperty("details").GetProperty("imageTags").GetString()}");
        Assert.Equal(
            [$"arn:aws:ecr:us-east-1:000000000000:repository/team/app {digests["t1"]} t1", $"arn:aws:ecr:us-east-1:000000000000:repository/team/app {digests["t2"]} t2"],
            expiries);
    }

    [Fact]
    public async Task RunLifecycle_WithoutMetadata_FailsWithOneLine()
    {
        using var data = TempDirectory.Create();

        var result = await new CliRunner(new Dictionary<string, string?>()).RunAsync(["admin", "run-lifecycle", "--data-dir", data.Path], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(1, result.ExitCode);
        Assert.Single(result.Error.TrimEnd().Split('\n'));
        Assert.StartsWith("Error: no metadata in", result.Error, StringComparison.Ordinal);
    }

    private static string DataKeyId(string password)
    {
        var envelope = Berth.Protocol.Tokens.TokenEnvelope.TryParse(password)!;
        var wrapped = Convert.FromBase64String(envelope.DataKey);
        return System.Text.Encoding.ASCII.GetString(wrapped, 2, wrapped[1]);
    }
}

public sealed class ParseErrorTests
{
    [Theory]
    [InlineData(new[] { "serve", "--bogus" }, 2, "Error: Unrecognized command or argument '--bogus' (see 'berth serve --help')")]
    [InlineData(new[] { "admin", "rotate-key", "--data-dir" }, 2, "Error: Required argument missing for option: '--data-dir' (see 'berth admin rotate-key --help')")]
    [InlineData(new[] { "ecr", "get-login-password", "--bogus" }, 255, "Error: Unrecognized command or argument '--bogus' (see 'berth ecr get-login-password --help')")]
    [InlineData(new[] { "nosuch" }, 2, "Error: Required command was not provided; Unrecognized command or argument 'nosuch' (see 'berth --help')")]
    public async Task Parse_Error_OneLineOnStderrAndNonZeroExit(string[] args, int exitCode, string message)
    {
        var result = await new CliRunner(new Dictionary<string, string?>()).RunAsync(args, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(exitCode, result.ExitCode);
        Assert.Equal(message + Environment.NewLine, result.Error);
        Assert.Equal("", result.Output);
    }
}
