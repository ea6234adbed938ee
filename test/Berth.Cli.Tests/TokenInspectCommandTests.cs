using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Berth.Protocol.Tokens;
using Berth.Testing;

namespace Berth.Cli.Tests;

public sealed class TokenInspectCommandTests(BerthServerFixture fixture) : IClassFixture<BerthServerFixture>, IDisposable
{
    private readonly TempDirectory _dir = TempDirectory.Create();

    private BerthTestServer Server => fixture.Server;

    private string AuthFile => _dir.Combine("auth.json");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Inspect_StoredLogin_ShowsTheServersExpiryAndHidesTheSecret()
    {
        var ct = TestContext.Current.CancellationToken;
        var password = await Server.IssuePasswordAsync(ct);
        var envelope = TokenEnvelope.TryParse(password)!;
        var login = await Cli().RunAsync(["login", "--tls-verify=false", "--authfile", AuthFile, "-u", "AWS", "--password-stdin", Server.Host], password, ct);
        Assert.Equal(0, login.ExitCode);

        var result = await Cli().RunAsync(["token", "inspect", "--authfile", AuthFile, Server.Host], cancellationToken: ct);

        Assert.True(result.ExitCode == 0, result.ToString());
        var fields = Fields(result.Output);
        Assert.Equal(Server.Host, fields["Registry"]);
        Assert.Equal(AuthFile, fields["Source"]);
        Assert.Equal("AWS", fields["User"]);
        Assert.Equal("2", fields["Version"]);
        Assert.Equal("DATA_KEY", fields["Type"]);
        Assert.Equal(envelope.ExpiresAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), fields["Expires"]);
        Assert.Equal("expires in 11h 59m", fields["Status"]);
        Assert.DoesNotContain(envelope.Payload, result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(envelope.DataKey, result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(password, result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_Stdin_AcceptsPasswordAuthorizationTokenAndBasicHeader()
    {
        var ct = TestContext.Current.CancellationToken;
        var password = await Server.IssuePasswordAsync(ct);
        var authorizationToken = Convert.ToBase64String(Encoding.UTF8.GetBytes("AWS:" + password));
        var expected = TokenEnvelope.TryParse(password)!.ExpiresAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

        foreach (var (args, input) in new (string[], string)[]
        {
            (["token", "inspect", "-"], password + "\n"),
            (["token", "inspect"], password),
            (["token", "inspect", "-"], authorizationToken),
            (["token", "inspect", "-"], "Basic " + authorizationToken + "\r\n"),
        })
        {
            var result = await Cli().RunAsync(args, input, ct);

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal(expected, Fields(result.Output)["Expires"]);
            Assert.DoesNotContain(TokenEnvelope.TryParse(password)!.Payload, result.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Inspect_ShowSecret_PrintsPayloadAndDataKey()
    {
        var ct = TestContext.Current.CancellationToken;
        var password = await Server.IssuePasswordAsync(ct);
        var envelope = TokenEnvelope.TryParse(password)!;

        var result = await Cli().RunAsync(["token", "inspect", "--show-secret", "-"], password, ct);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(envelope.Payload, Fields(result.Output)["Payload"]);
        Assert.Equal(envelope.DataKey, Fields(result.Output)["Data key"]);
    }

    [Fact]
    public async Task Inspect_Expired_SaysHowLongAgoAndShowsLocalTime()
    {
        var ct = TestContext.Current.CancellationToken;
        var password = await Server.IssuePasswordAsync(ct);
        var envelope = TokenEnvelope.TryParse(password)!;
        var zone = TimeZoneInfo.CreateCustomTimeZone("Berth/Test+02", TimeSpan.FromHours(2), "Test+02", "Test+02");
        var time = new FixedTime(envelope.ExpiresAt + TimeSpan.FromSeconds(200), zone);

        var result = await Run(["token", "inspect", "-"], password, time, ct);

        Assert.True(result.ExitCode == 0, result.ToString());
        var fields = Fields(result.Output);
        Assert.Equal("expired 3m ago", fields["Status"]);
        Assert.Equal(envelope.ExpiresAt.ToOffset(TimeSpan.FromHours(2)).ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + "+02:00", fields["Expires (local)"]);
    }

    [Fact]
    public async Task Inspect_Json_HasTheExpiryAndNoSecretUnlessAsked()
    {
        var ct = TestContext.Current.CancellationToken;
        var password = await Server.IssuePasswordAsync(ct);
        var envelope = TokenEnvelope.TryParse(password)!;
        var time = new FixedTime(envelope.ExpiresAt - TimeSpan.FromMinutes(90), TimeZoneInfo.Utc);

        var plain = await Run(["token", "inspect", "--json", "-"], password, time, ct);
        var secret = await Run(["token", "inspect", "--json", "--show-secret", "-"], password, time, ct);

        Assert.True(plain.ExitCode == 0, plain.ToString());
        var json = JsonNode.Parse(plain.Output)!;
        Assert.Equal(envelope.Expiration, (long)json["expiration"]!);
        Assert.Equal(envelope.ExpiresAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), (string?)json["expiresAt"]);
        Assert.False((bool)json["expired"]!);
        Assert.Equal(5400, (long)json["secondsRemaining"]!);
        Assert.Equal("expires in 1h 30m", (string?)json["status"]);
        Assert.Null(json["payload"]);
        Assert.Equal(envelope.Payload, (string?)JsonNode.Parse(secret.Output)!["payload"]);
    }

    [Theory]
    [InlineData("hello")]
    [InlineData("QVdTOnNlY3JldHRva2Vu")] // base64("AWS:secrettoken"), not an ECR-shaped token
    public async Task Inspect_NotAnEcrToken_OneLineErrorExit1(string input)
    {
        var result = await Cli().RunAsync(["token", "inspect", "-"], input, TestContext.Current.CancellationToken);

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.Error.TrimEnd().Split('\n'));
        Assert.StartsWith("Error: not an ECR-style registry token", line, StringComparison.Ordinal);
        Assert.DoesNotContain("secrettoken", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_RegistryNotLoggedIn_Exit1()
    {
        File.WriteAllText(AuthFile, """{"auths":{}}""");

        var result = await Cli().RunAsync(["token", "inspect", "--authfile", AuthFile, "nowhere.example"], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("Error: not logged into nowhere.example\n", result.Error.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Inspect_StoredLoginThatIsNotAToken_Exit1NamingTheFile()
    {
        File.WriteAllText(AuthFile, """{"auths":{"h.example":{"auth":"QVdTOnNlY3JldHRva2Vu"}}}""");

        var result = await Cli().RunAsync(["token", "inspect", "--authfile", AuthFile, "h.example/team/app"], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"Error: the stored login for h.example in {AuthFile} is not an ECR-style registry token\n", result.Error.ReplaceLineEndings("\n"));
    }

    private CliRunner Cli() => new(new Dictionary<string, string?> { ["HOME"] = _dir.Path });

    private static async Task<CliResult> Run(string[] args, string input, TimeProvider time, CancellationToken cancellationToken)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var context = new CliContext(output, error, new StringReader(input), _ => null, time);
        var exitCode = await BerthCli.RunAsync(args, context, cancellationToken);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }

    private static Dictionary<string, string> Fields(string output) =>
        output.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(':', 2))
            .ToDictionary(parts => parts[0], parts => parts[1].Trim());

    private sealed class FixedTime(DateTimeOffset now, TimeZoneInfo zone) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;

        public override TimeZoneInfo LocalTimeZone => zone;
    }
}
