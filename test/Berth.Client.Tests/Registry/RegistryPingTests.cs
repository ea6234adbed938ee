using System.Net;
using System.Net.Sockets;
using Berth.Client.Registry;
using Berth.Protocol.Tokens;
using Berth.Testing;

namespace Berth.Client.Tests.Registry;

public sealed class RegistryPingTests(BerthServerFixture fixture) : IClassFixture<BerthServerFixture>
{
    private BerthTestServer Server => fixture.Server;

    [Fact]
    public async Task CheckCredentials_FreshToken_TlsVerifyOff_FallsBackToHttpAndIsValid()
    {
        var ct = TestContext.Current.CancellationToken;
        using var ping = new RegistryPing(tlsVerify: false);

        var result = await ping.CheckCredentialsAsync(Server.Host, new BasicCredentials("AWS", await Server.IssuePasswordAsync(ct)), ct);

        Assert.True(result.IsValid, result.Message);
        Assert.Equal(new Uri($"http://{Server.Host}"), result.BaseAddress);
    }

    [Fact]
    public async Task CheckCredentials_TamperedToken_IsInvalidCredentials()
    {
        var ct = TestContext.Current.CancellationToken;
        var password = await Server.IssuePasswordAsync(ct);
        var tampered = password[..^6] + (password[^6] == 'A' ? 'B' : 'A') + password[^5..];
        using var ping = new RegistryPing(tlsVerify: false);

        var result = await ping.CheckCredentialsAsync(Server.Host, new BasicCredentials("AWS", tampered), ct);

        Assert.Equal(CredentialCheckStatus.InvalidCredentials, result.Status);
        Assert.DoesNotContain(tampered, result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckCredentials_WrongUser_IsInvalidCredentials()
    {
        var ct = TestContext.Current.CancellationToken;
        using var ping = new RegistryPing(tlsVerify: false);

        var result = await ping.CheckCredentialsAsync(Server.Host, new BasicCredentials("admin", await Server.IssuePasswordAsync(ct)), ct);

        Assert.Equal(CredentialCheckStatus.InvalidCredentials, result.Status);
    }

    [Fact]
    public async Task CheckCredentials_ExpiredToken_IsRejectedWithTheRegistrysMessage()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await BerthTestServer.StartAsync(cancellationToken: ct);
        var password = await server.IssuePasswordAsync(ct);
        server.Time.Advance(TimeSpan.FromHours(13));
        using var ping = new RegistryPing(tlsVerify: false);

        var result = await ping.CheckCredentialsAsync(server.Host, new BasicCredentials("AWS", password), ct);

        Assert.Equal(CredentialCheckStatus.Rejected, result.Status);
        Assert.StartsWith("denied: Your authorization token has expired. Reauthenticate and try again.", result.Message, StringComparison.Ordinal);
        var expiry = TokenEnvelope.TryParse(password)!.ExpiresAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains(expiry, result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckCredentials_TlsVerifyOn_PlainHttpRegistry_FailsWithGosMessageAndNeverUsesHttp()
    {
        var ct = TestContext.Current.CancellationToken;
        using var ping = new RegistryPing(tlsVerify: true);
        var before = Server.Logs.Lines.Count;

        var result = await ping.CheckCredentialsAsync(Server.Host, new BasicCredentials("AWS", await Server.IssuePasswordAsync(ct)), ct);

        Assert.Equal(CredentialCheckStatus.Failed, result.Status);
        Assert.Equal($"pinging container registry {Server.Host}: Get \"https://{Server.Host}/v2/\": http: server gave HTTP response to HTTPS client", result.Message);
        Assert.Null(result.BaseAddress);
        Assert.DoesNotContain(Server.Logs.Lines.Skip(before), line => line.Contains("GET /v2/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CheckCredentials_RealTlsWithSelfSignedCertificate_TlsVerifyOff_IsValidOverHttps()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var tls = new TlsTerminator(new IPEndPoint(IPAddress.Loopback, Server.BaseAddress.Port));
        using var ping = new RegistryPing(tlsVerify: false);

        var result = await ping.CheckCredentialsAsync(tls.Host, new BasicCredentials("AWS", await Server.IssuePasswordAsync(ct)), ct);

        Assert.True(result.IsValid, result.Message);
        Assert.Equal(new Uri($"https://{tls.Host}"), result.BaseAddress);
    }

    [Fact]
    public async Task CheckCredentials_RealTlsWithSelfSignedCertificate_TlsVerifyOn_FailsWithoutFallingBack()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var tls = new TlsTerminator(new IPEndPoint(IPAddress.Loopback, Server.BaseAddress.Port));
        using var ping = new RegistryPing(tlsVerify: true);

        var result = await ping.CheckCredentialsAsync(tls.Host, new BasicCredentials("AWS", await Server.IssuePasswordAsync(ct)), ct);

        Assert.Equal(CredentialCheckStatus.Failed, result.Status);
        Assert.StartsWith($"pinging container registry {tls.Host}: Get \"https://{tls.Host}/v2/\": ", result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckCredentials_NothingListening_FailsWithThePingError()
    {
        var ct = TestContext.Current.CancellationToken;
        var host = $"127.0.0.1:{FreePort()}";
        using var ping = new RegistryPing(tlsVerify: false);

        var result = await ping.CheckCredentialsAsync(host, new BasicCredentials("AWS", "secret-password"), ct);

        Assert.Equal(CredentialCheckStatus.Failed, result.Status);
        Assert.StartsWith($"pinging container registry {host}: Get \"http://{host}/v2/\": ", result.Message, StringComparison.Ordinal);
        Assert.Contains("refused", result.Message, StringComparison.OrdinalIgnoreCase);
    }

    // The faults below cannot be produced by Berth's server, so a handler plays the registry.
    [Fact]
    public async Task CheckCredentials_BearerOnlyChallenge_FailsWithoutSendingThePassword()
    {
        var ct = TestContext.Current.CancellationToken;
        var handler = new ScriptedHandler(_ => Respond(HttpStatusCode.Unauthorized, "", ("WWW-Authenticate", "Bearer realm=\"https://auth.example/token\",service=\"r\"")));
        using var ping = new RegistryPing(tlsVerify: true, handler);

        var result = await ping.CheckCredentialsAsync("r.example", new BasicCredentials("AWS", "secret-password"), ct);

        Assert.Equal(CredentialCheckStatus.Failed, result.Status);
        Assert.Contains("does not offer Basic authentication", result.Message, StringComparison.Ordinal);
        Assert.Contains("Bearer", result.Message, StringComparison.Ordinal);
        Assert.All(handler.Requests, r => Assert.Null(r.Authorization));
    }

    [Fact]
    public async Task CheckCredentials_RegistryWithoutAuthentication_IsAcceptedAfterOnePing()
    {
        var ct = TestContext.Current.CancellationToken;
        var handler = new ScriptedHandler(_ => Respond(HttpStatusCode.OK, "{}"));
        using var ping = new RegistryPing(tlsVerify: true, handler);

        var result = await ping.CheckCredentialsAsync("r.example", new BasicCredentials("AWS", "secret-password"), ct);

        Assert.True(result.IsValid);
        Assert.Equal("https://r.example/v2/", Assert.Single(handler.Requests).Url);
    }

    [Fact]
    public async Task CheckCredentials_SendsBasicOnlyOnTheSecondRequest_AndReportsA500WithoutThePassword()
    {
        var ct = TestContext.Current.CancellationToken;
        var handler = new ScriptedHandler(r => r.Headers.Authorization is null
            ? Respond(HttpStatusCode.Unauthorized, "", ("WWW-Authenticate", "Basic realm=\"x\""))
            : Respond(HttpStatusCode.InternalServerError, "oops for secret-password"));
        using var ping = new RegistryPing(tlsVerify: true, handler);

        var result = await ping.CheckCredentialsAsync("r.example", new BasicCredentials("AWS", "secret-password"), ct);

        Assert.Equal(CredentialCheckStatus.Failed, result.Status);
        Assert.Equal("unexpected status code 500 (Internal Server Error): oops for <redacted>", result.Message);
        Assert.Collection(
            handler.Requests,
            first => Assert.Null(first.Authorization),
            second => Assert.Equal("Basic " + new BasicCredentials("AWS", "secret-password").Encode(), second.Authorization));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static HttpResponseMessage Respond(HttpStatusCode status, string body, params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(body) };
        foreach (var (name, value) in headers)
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }

        return response;
    }

    private sealed record SeenRequest(string Url, string? Authorization);

    private sealed class ScriptedHandler(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
    {
        public List<SeenRequest> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(new SeenRequest(request.RequestUri!.ToString(), request.Headers.Authorization?.ToString()));
            return Task.FromResult(respond(request));
        }
    }
}
