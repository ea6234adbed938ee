using System.Net;
using System.Text.Json;
using Berth.Protocol.Tokens;
using Berth.Testing;

namespace Berth.Server.Tests;

/// <summary>Repeated failed authentications are throttled per address and per access key, and only those.</summary>
public sealed class AuthThrottlingTests : IDisposable
{
    private readonly TempDirectory _home = TempDirectory.Create("berth-home-");
    private readonly HttpClient _http = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task BadBasicPasswords_ThrottleTheAddress_WithRetryAfter_UntilTheWindowPasses()
    {
        await using var server = await BerthTestServer.StartAsync(o => o with { AuthFailureLimit = 5, AuthFailureWindow = TimeSpan.FromMinutes(1) }, cancellationToken: Ct);
        var valid = await server.IssuePasswordAsync(Ct);

        for (var i = 0; i < 5; i++)
        {
            using var bad = await GetV2Async(server, "not-a-token");
            Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
        }

        // The address is blocked: even a valid token from it waits (a guesser must not learn which password worked).
        using (var throttled = await GetV2Async(server, valid))
        {
            Assert.Equal((HttpStatusCode)429, throttled.StatusCode);
            using var body = JsonDocument.Parse(await throttled.Content.ReadAsStringAsync(Ct));
            Assert.Equal("TOOMANYREQUESTS", body.RootElement.GetProperty("errors")[0].GetProperty("code").GetString());
            Assert.InRange(throttled.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
        }

        server.Time.Advance(TimeSpan.FromSeconds(61));
        using var after = await GetV2Async(server, valid);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task ValidTrafficAndAnonymousPings_NeverThrottle()
    {
        await using var server = await BerthTestServer.StartAsync(o => o with { AuthFailureLimit = 3 }, cancellationToken: Ct);
        var valid = await server.IssuePasswordAsync(Ct);
        var admin = new AwsCli(server, _home.Path);

        for (var i = 0; i < 10; i++)
        {
            using var ping = await GetV2Async(server, null);
            Assert.Equal(HttpStatusCode.Unauthorized, ping.StatusCode);
            using var ok = await GetV2Async(server, valid);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        for (var i = 0; i < 5; i++)
        {
            using var described = await admin.EcrJsonAsync(["describe-repositories"], Ct);
        }
    }

    [Fact]
    public async Task BadSignatures_GiveThrottlingException_ThroughTheAwsCli_ThenWorkAfterTheWindow()
    {
        await using var server = await BerthTestServer.StartAsync(o => o with { AuthFailureLimit = 3, AuthFailureWindow = TimeSpan.FromMinutes(1) }, cancellationToken: Ct);
        var admin = new AwsCli(server, _home.Path);
        var wrong = admin.As(new AwsKey(server.AccessKeyId, "wrong-secret-wrong-secret-wrong-secret00"));

        for (var i = 0; i < 3; i++)
        {
            var failed = await wrong.EcrAsync(["describe-repositories"], Ct);
            Assert.Equal(255, failed.ExitCode);
            Assert.Contains("InvalidSignatureException", failed.StandardError, StringComparison.Ordinal);
        }

        var throttled = await wrong.EcrAsync(["describe-repositories"], Ct);
        Assert.Equal(255, throttled.ExitCode);
        Assert.Contains("ThrottlingException", throttled.StandardError, StringComparison.Ordinal);

        // The key and the address are blocked, so the right secret waits too, on the IAM API as well.
        var iam = await admin.IamAsync(["list-users"], Ct);
        Assert.Equal(255, iam.ExitCode);
        Assert.Contains("Throttling", iam.StandardError, StringComparison.Ordinal);

        server.Time.Advance(TimeSpan.FromSeconds(61));
        using var described = await admin.EcrJsonAsync(["describe-repositories"], Ct);
        Assert.Equal(JsonValueKind.Array, described.RootElement.GetProperty("repositories").ValueKind);
    }

    private async Task<HttpResponseMessage> GetV2Async(BerthTestServer server, string? password)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.BaseAddress, "/v2/"));
        if (password is not null)
        {
            request.Headers.Authorization = new("Basic", new BasicCredentials("AWS", password).Encode());
        }

        return await _http.SendAsync(request, Ct);
    }

    public void Dispose()
    {
        _http.Dispose();
        _home.Dispose();
    }
}
