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
