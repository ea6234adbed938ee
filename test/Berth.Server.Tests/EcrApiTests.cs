using System.Net;
using System.Text.Json;
using Berth.Testing;

namespace Berth.Server.Tests;

/// <summary>SigV4 verification and the AWS JSON 1.1 error contract on <c>POST /</c>.</summary>
public sealed class EcrApiTests(BerthServerFixture fixture) : IClassFixture<BerthServerFixture>
{
    private static readonly HttpClient Http = new();

    private BerthTestServer Server => fixture.Server;

    private EcrRequests Requests => new(Server.BaseAddress, Server.AccessKeyId, Server.SecretAccessKey);

    [Fact]
    public async Task GetAuthorizationToken_Signed_ReturnsOneEntryWithNumberExpiryAndHttpsEndpoint()
    {
        using var response = await SendAsync(Requests.Create());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-amz-json-1.1", response.Content.Headers.ContentType?.MediaType);
        Assert.True(Guid.TryParse(response.Headers.GetValues("x-amzn-RequestId").Single(), out _));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var data = Assert.Single(json.RootElement.GetProperty("authorizationData").EnumerateArray());
        Assert.Equal(JsonValueKind.Number, data.GetProperty("expiresAt").ValueKind);
        Assert.Equal($"https://{Server.Host}", data.GetProperty("proxyEndpoint").GetString());
        var decoded = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(data.GetProperty("authorizationToken").GetString()!));
        Assert.StartsWith("AWS:eyJwYXlsb2FkIjoi", decoded, StringComparison.Ordinal);
        Assert.Single(decoded, ':');
    }

    [Fact]
    public async Task GetAuthorizationToken_RegistryIdsOfThisRegistry_Accepted() =>
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(Requests.Create(body: """{"registryIds":["000000000000"]}"""))).StatusCode);

    [Theory]
    [InlineData("""{"registryIds":["12345"]}""")]
    [InlineData("""{"registryIds":["123456789012"]}""")]
    [InlineData("""{"registryIds":[]}""")]
    public async Task GetAuthorizationToken_BadRegistryIds_InvalidParameterException(string body) =>
        await AssertErrorAsync(Requests.Create(body: body), 400, "InvalidParameterException");

    [Fact]
    public async Task Request_WithoutAuthorization_MissingAuthenticationToken()
    {
        var request = Requests.Create();
        request.Headers.Remove("Authorization");

        await AssertErrorAsync(request, 403, "MissingAuthenticationTokenException", "Missing Authentication Token");
    }

    [Fact]
    public async Task Request_MalformedAuthorization_IncompleteSignature()
    {
        var request = Requests.Create();
        request.Headers.Remove("Authorization");
        request.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 Credential=nonsense");

        await AssertErrorAsync(request, 400, "IncompleteSignatureException");
    }

    [Fact]
    public async Task Request_SignedSixMinutesAgo_SignatureExpiredInAwsWording()
    {
        var message = await AssertErrorAsync(Requests.Create(signedAt: DateTimeOffset.UtcNow.AddMinutes(-6)), 400, "InvalidSignatureException");

        Assert.Matches(@"^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$", message);
    }

    [Fact]
    public async Task Request_SignedSixMinutesAhead_SignatureNotYetCurrentInAwsWording()
    {
        var message = await AssertErrorAsync(Requests.Create(signedAt: DateTimeOffset.UtcNow.AddMinutes(6)), 400, "InvalidSignatureException");

        Assert.Matches(@"^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 5 min\.\)$", message);
    }

    [Fact]
    public async Task Request_SignedFourMinutesAgo_Accepted() =>
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(Requests.Create(signedAt: DateTimeOffset.UtcNow.AddMinutes(-4)))).StatusCode);

    [Fact]
    public async Task Request_WrongSecret_InvalidSignatureWithAwsMessage()
    {
        var message = await AssertErrorAsync(Requests.Create(secret: new string('x', 40)), 400, "InvalidSignatureException");

        Assert.StartsWith("The request signature we calculated does not match the signature you provided.", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_BodyChangedAfterSigning_InvalidSignature()
    {
        var request = Requests.Create(body: """{"registryIds":["000000000000"]}""");
        request.Content = new StringContent("""{"registryIds":["000000000001"]}""");
        request.Content.Headers.ContentType = new("application/x-amz-json-1.1");

        await AssertErrorAsync(request, 400, "InvalidSignatureException");
    }

    [Fact]
    public async Task Request_UnknownAccessKey_UnrecognizedClient() =>
        await AssertErrorAsync(
            (Requests with { AccessKeyId = "AKIAUNKNOWNUNKNOWN00" }).Create(), 400, "UnrecognizedClientException", "The security token included in the request is invalid.");

    [Fact]
    public async Task Request_ScopedToAnotherService_InvalidSignature() =>
        await AssertErrorAsync(Requests.Create(service: "s3"), 400, "InvalidSignatureException", "Credential should be scoped to correct service: 'ecr'.");

    [Fact]
    public async Task Request_ScopedToAnotherRegion_InvalidSignatureNamingTheRegion()
    {
        var message = await AssertErrorAsync(Requests.Create(signingRegion: "eu-west-3"), 400, "InvalidSignatureException");

        Assert.Contains("'eu-west-3'", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_WithSessionToken_RejectedClearly()
    {
        var request = Requests.Create(extraSignedHeaders: new Dictionary<string, string> { ["x-amz-security-token"] = "FQoGZXIvYXdzEXAMPLE" });

        var message = await AssertErrorAsync(request, 400, "UnrecognizedClientException");

        Assert.Contains("temporary credentials", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AmazonEC2ContainerRegistry_V20150921.NoSuchOperation")]
    [InlineData("SomethingElse.GetAuthorizationToken")]
    public async Task Request_UnknownTarget_UnknownOperation(string target)
    {
        using var response = await SendAsync(Requests.Create(target: target));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("com.amazon.coral.service#UnknownOperationException", json.RootElement.GetProperty("__type").GetString());
    }

    [Theory]
    [InlineData("{")]
    [InlineData("[]")]
    [InlineData("""{"registryIds":"000000000000"}""")]
    public async Task Request_MalformedBody_SerializationException(string body) =>
        await AssertErrorAsync(Requests.Create(body: body), 400, "SerializationException");

    private static async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        using (request)
        {
            return await Http.SendAsync(request, TestContext.Current.CancellationToken);
        }
    }

    private static async Task<string?> AssertErrorAsync(HttpRequestMessage request, int status, string type, string? message = null)
    {
        using var response = await SendAsync(request);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.True((int)response.StatusCode == status, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/x-amz-json-1.1", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(body);
        Assert.Equal(type, json.RootElement.GetProperty("__type").GetString());
        var actual = json.RootElement.TryGetProperty("message", out var m) ? m.GetString() : null;
        if (message is not null)
        {
            Assert.Equal(message, actual);
        }

        return actual;
    }
}
