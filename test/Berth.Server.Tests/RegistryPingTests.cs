using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Berth.Protocol.Tokens;
using Berth.Testing;

namespace Berth.Server.Tests;

/// <summary>The <c>GET /v2/</c> ping that podman and docker use to check a login.</summary>
public sealed class RegistryPingTests
{
    private static readonly HttpClient Http = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Ping_WithoutCredentials_401WithEcrBasicChallenge()
    {
        await using var server = await BerthTestServer.StartAsync(cancellationToken: Ct);

        using var response = await Http.GetAsync(new Uri(server.BaseAddress, "/v2/"), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal($"Basic realm=\"https://{server.Host}/\",service=\"ecr.amazonaws.com\"", response.Headers.GetValues("WWW-Authenticate").Single());
        Assert.Equal("registry/2.0", response.Headers.GetValues("Docker-Distribution-Api-Version").Single());
        Assert.Equal("UNAUTHORIZED", await OciCodeAsync(response));
    }

    [Fact]
    public async Task Ping_WithPublicUrl_RealmIsThePublicUrl()
    {
        await using var server = await BerthTestServer.StartAsync(o => o with { PublicUrl = new Uri("https://registry.example.com") }, cancellationToken: Ct);

        using var response = await Http.GetAsync(new Uri(server.BaseAddress, "/v2/"), Ct);

        Assert.Equal("Basic realm=\"https://registry.example.com/\",service=\"ecr.amazonaws.com\"", response.Headers.GetValues("WWW-Authenticate").Single());
    }

    [Fact]
    public async Task Ping_WithValidToken_200()
    {
        await using var server = await BerthTestServer.StartAsync(cancellationToken: Ct);

        using var response = await PingAsync(server, "AWS", await server.IssuePasswordAsync(Ct));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("registry/2.0", response.Headers.GetValues("Docker-Distribution-Api-Version").Single());
    }

    [Theory]
    [InlineData("other-user")]
    [InlineData("aws")]
    public async Task Ping_UserOtherThanAws_401(string user)
    {
        await using var server = await BerthTestServer.StartAsync(cancellationToken: Ct);

        using var response = await PingAsync(server, user, await server.IssuePasswordAsync(Ct));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("UNAUTHORIZED", await OciCodeAsync(response));
        Assert.True(response.Headers.Contains("WWW-Authenticate"));
    }

    [Theory]
    [InlineData("Basic !!!notbase64")]
    [InlineData("Basic QVdT")]
    [InlineData("Bearer abc")]
    [InlineData("Basic QVdTOmdhcmJhZ2U=")] // AWS:garbage
    public async Task Ping_Garbage_401WithOciBody(string header)
    {
        await using var server = await BerthTestServer.StartAsync(cancellationToken: Ct);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.BaseAddress, "/v2/"));
        request.Headers.TryAddWithoutValidation("Authorization", header);

        using var response = await Http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("UNAUTHORIZED", await OciCodeAsync(response));
    }

    [Fact]
    public async Task Ping_TamperedToken_401()
    {
        await using var server = await BerthTestServer.StartAsync(cancellationToken: Ct);
        var password = await server.IssuePasswordAsync(Ct);
        var middle = password.Length / 2;
        var tampered = string.Concat(password.AsSpan(0, middle), password[middle] == 'A' ? "B" : "A", password.AsSpan(middle + 1));

        using var response = await PingAsync(server, "AWS", tampered);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Ping_ExpiredToken_403DeniedWithEcrMessage()
    {
        await using var server = await BerthTestServer.StartAsync(cancellationToken: Ct);
        var password = await server.IssuePasswordAsync(Ct);
        server.Time.Advance(TimeSpan.FromHours(12) + TimeSpan.FromSeconds(1));

        using var response = await PingAsync(server, "AWS", password);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var error = json.RootElement.GetProperty("errors")[0];
        Assert.Equal("DENIED", error.GetProperty("code").GetString());
        Assert.Equal("Your authorization token has expired. Reauthenticate and try again.", error.GetProperty("message").GetString());
        Assert.StartsWith("token expired at ", error.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ping_TokenFromAnotherRegistry_401()
    {
        await using var one = await BerthTestServer.StartAsync(cancellationToken: Ct);
        await using var two = await BerthTestServer.StartAsync(cancellationToken: Ct);

        using var response = await PingAsync(two, "AWS", await one.IssuePasswordAsync(Ct));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Ping_AfterRestart_TokenStillValid()
    {
        await using var server = await BerthTestServer.StartAsync(cancellationToken: Ct);
        var password = await server.IssuePasswordAsync(Ct);
        var accessKey = server.AccessKeyId;

        await server.RestartAsync(Ct);
        using var response = await PingAsync(server, "AWS", password);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(accessKey, server.AccessKeyId);
        Assert.False(server.Admin.Created);
    }

    private static async Task<HttpResponseMessage> PingAsync(BerthTestServer server, string user, string password)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.BaseAddress, "/v2/"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", new BasicCredentials(user, password).Encode());
        return await Http.SendAsync(request, Ct);
    }

    private static async Task<string?> OciCodeAsync(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        return json.RootElement.GetProperty("errors")[0].GetProperty("code").GetString();
    }
}
