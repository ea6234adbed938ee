using System.Net;
using Amazon.Runtime;
using Berth.Client.Ecr;
using Microsoft.Extensions.Time.Testing;

namespace Berth.Client.Tests.Ecr;

/// <summary>The signed request matches what the aws CLI sent in the captured vectors (ecr-protocol.md §1.2, §3).</summary>
public sealed class EcrClientSigningTests
{
    private const string AccessKeyId = "AKIDEXAMPLE";
    private const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string Target = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken";

    [Fact]
    public async Task GetAuthorizationToken_Vector1_SendsTheCapturedAuthorizationHeader()
    {
        var handler = new RecordingHandler(_ => RecordingHandler.TokenResponse());
        using var client = Client(handler, new BasicAWSCredentials(AccessKeyId, Secret), new DateTimeOffset(2026, 12, 3, 12, 35, 23, TimeSpan.Zero));

        await client.GetAuthorizationTokenAsync(cancellationToken: TestContext.Current.CancellationToken);

        var request = Assert.Single(handler.Requests);
        Assert.Equal(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261203/us-east-1/ecr/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=3cf9fc7f9d3f35596713574c61fb147a0a5f29097cfd9ad01a22c7bc741ec7b5",
            request.Header("Authorization"));
        Assert.False(request.Headers.ContainsKey("X-Amz-Security-Token"));
    }

    [Fact]
    public async Task GetAuthorizationToken_Vector2SessionCredentials_SignsTheSecurityToken()
    {
        var handler = new RecordingHandler(_ => RecordingHandler.TokenResponse());
        using var client = Client(handler, new SessionAWSCredentials(AccessKeyId, Secret, "FQoGZXIvYXdzEXAMPLE"), new DateTimeOffset(2026, 12, 3, 12, 35, 39, TimeSpan.Zero));

        await client.GetAuthorizationTokenAsync(cancellationToken: TestContext.Current.CancellationToken);

        var request = Assert.Single(handler.Requests);
        Assert.Equal(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261203/us-east-1/ecr/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=0f35db3a51d234f7c17ca6705d41a3bbb9dc3a4a47c034f965e7130ca4c2b90f",
            request.Header("Authorization"));
        Assert.Equal("FQoGZXIvYXdzEXAMPLE", request.Header("X-Amz-Security-Token"));
    }

    [Fact]
    public async Task GetAuthorizationToken_Request_HasBotocoresShape()
    {
        var handler = new RecordingHandler(_ => RecordingHandler.TokenResponse());
        using var client = Client(handler, new BasicAWSCredentials(AccessKeyId, Secret), new DateTimeOffset(2026, 12, 3, 12, 35, 23, TimeSpan.Zero));

        await client.GetAuthorizationTokenAsync(cancellationToken: TestContext.Current.CancellationToken);

        var request = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("http://127.0.0.1:18080/", request.Uri.AbsoluteUri);
        Assert.Equal("127.0.0.1:18080", request.Header("Host"));
        Assert.Equal("application/x-amz-json-1.1", request.Header("Content-Type"));
        Assert.Equal(Target, request.Header("X-Amz-Target"));
        Assert.Equal("20261203T123523Z", request.Header("X-Amz-Date"));
        Assert.Equal("attempt=1; max=5", request.Header("amz-sdk-request"));
        Assert.Equal("{}", request.Body);
        Assert.False(request.Headers.ContainsKey("X-Amz-Content-Sha256"));
    }

    [Fact]
    public async Task GetAuthorizationToken_DefaultPortEndpoint_HostHasNoPort()
    {
        var handler = new RecordingHandler(_ => RecordingHandler.TokenResponse());
        using var client = new EcrClient(
            new EcrClientOptions { Endpoint = EcrEndpoints.Default("eu-west-3"), Region = "eu-west-3", Credentials = new BasicAWSCredentials(AccessKeyId, Secret) },
            handler);

        await client.GetAuthorizationTokenAsync(cancellationToken: TestContext.Current.CancellationToken);

        var request = Assert.Single(handler.Requests);
        Assert.Equal("api.ecr.eu-west-3.amazonaws.com", request.Header("Host"));
        Assert.Contains("/eu-west-3/ecr/aws4_request", request.Header("Authorization"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAuthorizationToken_RegistryIds_SentAsInputMember()
    {
        var handler = new RecordingHandler(_ => RecordingHandler.TokenResponse());
        using var client = Client(handler, new BasicAWSCredentials(AccessKeyId, Secret), DateTimeOffset.UnixEpoch);

        await client.GetAuthorizationTokenAsync(new(["123456789012"]), TestContext.Current.CancellationToken);

        Assert.Equal("""{"registryIds":["123456789012"]}""", Assert.Single(handler.Requests).Body);
    }

    [Fact]
    public async Task GetAuthorizationToken_Success_ParsesAuthorizationData()
    {
        var handler = new RecordingHandler(_ => RecordingHandler.TokenResponse("secret-password", "https://registry.example.com"));
        using var client = Client(handler, new BasicAWSCredentials(AccessKeyId, Secret), DateTimeOffset.UnixEpoch);

        var response = await client.GetAuthorizationTokenAsync(cancellationToken: TestContext.Current.CancellationToken);

        var data = Assert.Single(response.AuthorizationData);
        Assert.Equal("https://registry.example.com", data.ProxyEndpoint);
        Assert.Equal(1796308523.241, data.ExpiresAt, 3);
        Assert.Equal(new EcrAuthorizationToken("AWS", "secret-password"), EcrAuthorizationToken.Decode(data.AuthorizationToken));
    }

    [Fact]
    public async Task GetAuthorizationToken_MalformedSuccessBody_ThrowsEcrException()
    {
        var handler = new RecordingHandler(_ => RecordingHandler.Json(HttpStatusCode.OK, "<html>proxy</html>"));
        using var client = Client(handler, new BasicAWSCredentials(AccessKeyId, Secret), DateTimeOffset.UnixEpoch);

        var error = await Assert.ThrowsAsync<EcrException>(() => client.GetAuthorizationTokenAsync(cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal("The GetAuthorizationToken response is not valid JSON of the expected shape.", error.Message);
    }

    internal static EcrClient Client(RecordingHandler handler, AWSCredentials credentials, DateTimeOffset now, int maxAttempts = 5) =>
        new(
            new EcrClientOptions
            {
                Endpoint = new Uri("http://127.0.0.1:18080"),
                Region = "us-east-1",
                Credentials = credentials,
                TimeProvider = new FakeTimeProvider(now),
                RetryBaseDelay = TimeSpan.Zero,
                MaxAttempts = maxAttempts,
            },
            handler);
}
