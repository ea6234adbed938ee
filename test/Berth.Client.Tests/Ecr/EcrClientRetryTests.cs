using System.Net;
using Amazon.Runtime;
using Berth.Client.Ecr;
using Microsoft.Extensions.Time.Testing;

namespace Berth.Client.Tests.Ecr;

/// <summary>Retries follow botocore's legacy mode; errors read like the aws CLI's (ecr-protocol.md §1.7).</summary>
public sealed class EcrClientRetryTests
{
    private static readonly BasicAWSCredentials Credentials = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");

    [Fact]
    public async Task GetAuthorizationToken_TwoServerErrorsThenSuccess_RetriesAndResignsEachAttempt()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 12, 35, 23, TimeSpan.Zero));
        var handler = new RecordingHandler(attempt => attempt < 3
            ? RecordingHandler.Json(HttpStatusCode.InternalServerError, """{"__type":"ServerException","message":"boom"}""")
            : RecordingHandler.TokenResponse())
        {
            OnRequest = () => time.Advance(TimeSpan.FromSeconds(1)),
        };
        using var client = new EcrClient(
            new EcrClientOptions { Endpoint = new Uri("http://127.0.0.1:18080"), Region = "us-east-1", Credentials = Credentials, TimeProvider = time, RetryBaseDelay = TimeSpan.Zero },
            handler);

        await client.GetAuthorizationTokenAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(3, handler.Requests.Count);
        Assert.Equal(["attempt=1; max=5", "attempt=2; max=5", "attempt=3; max=5"], handler.Requests.Select(r => r.Header("amz-sdk-request")));
        Assert.Equal(["20261203T123523Z", "20261203T123524Z", "20261203T123525Z"], handler.Requests.Select(r => r.Header("X-Amz-Date")));
        Assert.Equal(3, handler.Requests.Select(r => r.Header("Authorization")).Distinct().Count());
        Assert.Single(handler.Requests.Select(r => r.Header("amz-sdk-invocation-id")).Distinct());
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.BadGateway)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.GatewayTimeout)]
    [InlineData((HttpStatusCode)509)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    public async Task GetAuthorizationToken_AlwaysRetryableStatus_GivesUpAfterFiveAttempts(HttpStatusCode status)
    {
        var handler = new RecordingHandler(_ => RecordingHandler.Json(status, """{"__type":"ServerException","message":"Service unavailable"}"""));
        using var client = EcrClientSigningTests.Client(handler, Credentials, DateTimeOffset.UnixEpoch);

        var error = await Assert.ThrowsAsync<EcrServiceException>(() => client.GetAuthorizationTokenAsync(cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(5, handler.Requests.Count);
        Assert.True(error.MaxAttemptsReached);
        Assert.Equal(4, error.RetryAttempts);
        Assert.Equal("An error occurred (ServerException) when calling the GetAuthorizationToken operation (reached max retries: 4): Service unavailable", error.Message);
    }

    [Theory]
    [InlineData("ThrottlingException")]
    [InlineData("Throttling")]
    [InlineData("ThrottledException")]
    [InlineData("RequestThrottledException")]
    [InlineData("ProvisionedThroughputExceededException")]
    public async Task GetAuthorizationToken_ThrottlingCodeWith400_IsRetried(string code)
    {
        var handler = new RecordingHandler(attempt => attempt == 1
            ? RecordingHandler.Json(HttpStatusCode.BadRequest, $$"""{"__type":"{{code}}","message":"Rate exceeded"}""")
            : RecordingHandler.TokenResponse());
        using var client = EcrClientSigningTests.Client(handler, Credentials, DateTimeOffset.UnixEpoch);

        await client.GetAuthorizationTokenAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(2, handler.Requests.Count);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, """{"__type":"InvalidSignatureException","message":"The request signature we calculated does not match the signature you provided."}""")]
    [InlineData(HttpStatusCode.Forbidden, """{"__type":"MissingAuthenticationTokenException","message":"Missing Authentication Token"}""")]
    [InlineData(HttpStatusCode.NotImplemented, """{"__type":"NotImplemented","message":"no"}""")]
    public async Task GetAuthorizationToken_DeterministicError_IsNotRetried(HttpStatusCode status, string body)
    {
        var handler = new RecordingHandler(_ => RecordingHandler.Json(status, body));
        using var client = EcrClientSigningTests.Client(handler, Credentials, DateTimeOffset.UnixEpoch);

        var error = await Assert.ThrowsAsync<EcrServiceException>(() => client.GetAuthorizationTokenAsync(cancellationToken: TestContext.Current.CancellationToken));

        Assert.Single(handler.Requests);
        Assert.False(error.MaxAttemptsReached);
        Assert.Equal(status, error.StatusCode);
    }

    [Fact]
    public async Task GetAuthorizationToken_InvalidSignature_MessageIsTheCliLine()
    {
        var handler = new RecordingHandler(_ =>
        {
            var response = RecordingHandler.Json(HttpStatusCode.BadRequest, """{"__type":"InvalidSignatureException","message":"Signature expired: 20131008T001036Z is now earlier than 20131008T001112Z (20131008T001612Z - 5 min.)"}""");
            response.Headers.Add("x-amzn-RequestId", "0a1b2c3d");
            return response;
        });
        using var client = EcrClientSigningTests.Client(handler, Credentials, DateTimeOffset.UnixEpoch);

        var error = await Assert.ThrowsAsync<EcrServiceException>(() => client.GetAuthorizationTokenAsync(cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(
            "An error occurred (InvalidSignatureException) when calling the GetAuthorizationToken operation: Signature expired: 20131008T001036Z is now earlier than 20131008T001112Z (20131008T001612Z - 5 min.)",
            error.Message);
        Assert.Equal("InvalidSignatureException", error.ErrorCode);
        Assert.Equal("0a1b2c3d", error.RequestId);
        Assert.Equal("GetAuthorizationToken", error.Operation);
    }

    [Fact]
    public async Task GetAuthorizationToken_ConnectionRefused_OneLineNamingTheUrl()
    {
        var handler = new ThrowingHandler(new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (127.0.0.1:18080)"));
        using var client = new EcrClient(new EcrClientOptions { Endpoint = new Uri("http://127.0.0.1:18080"), Region = "us-east-1", Credentials = Credentials }, handler);

        var error = await Assert.ThrowsAsync<EcrConnectionException>(() => client.GetAuthorizationTokenAsync(cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal("Could not connect to the endpoint URL: \"http://127.0.0.1:18080/\"", error.Message);
        Assert.Equal(1, handler.Calls);
    }

    [Fact]
    public async Task GetAuthorizationToken_EndpointWithPath_SendsToThatPath()
    {
        var handler = new ThrowingHandler(new HttpRequestException(HttpRequestError.NameResolutionError, "Name or service not known"));
        using var client = new EcrClient(new EcrClientOptions { Endpoint = new Uri("http://registry.invalid/base"), Region = "us-east-1", Credentials = Credentials }, handler);

        var error = await Assert.ThrowsAsync<EcrConnectionException>(() => client.GetAuthorizationTokenAsync(cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal("Could not connect to the endpoint URL: \"http://registry.invalid/base\"", error.Message);
    }

    [Fact]
    public async Task GetAuthorizationToken_EndpointWithUserInfo_UrlInMessageHasNone()
    {
        var handler = new ThrowingHandler(new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused"));
        using var client = new EcrClient(new EcrClientOptions { Endpoint = new Uri("https://user:hunter2@registry.invalid:8443/?x=1"), Region = "us-east-1", Credentials = Credentials }, handler);

        var error = await Assert.ThrowsAsync<EcrConnectionException>(() => client.GetAuthorizationTokenAsync(cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal("Could not connect to the endpoint URL: \"https://registry.invalid:8443/\"", error.Message);
        Assert.Equal("https://registry.invalid:8443/", client.RequestUrl.AbsoluteUri);
    }

    [Fact]
    public async Task GetAuthorizationToken_AttemptTimesOut_ReportsReadTimeout()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        using var handler = new HangingHandler(time, TimeSpan.FromSeconds(61));
        using var client = new EcrClient(
            new EcrClientOptions { Endpoint = new Uri("http://127.0.0.1:18080"), Region = "us-east-1", Credentials = Credentials, TimeProvider = time },
            handler);

        var error = await Assert.ThrowsAsync<EcrConnectionException>(() => client.GetAuthorizationTokenAsync(cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal("Read timeout on endpoint URL: \"http://127.0.0.1:18080/\"", error.Message);
    }

    [Fact]
    public async Task GetAuthorizationToken_CallerCancels_ThrowsOperationCanceled()
    {
        using var cancel = new CancellationTokenSource();
        var handler = new RecordingHandler(_ => RecordingHandler.Json(HttpStatusCode.ServiceUnavailable, "{}")) { OnRequest = cancel.Cancel };
        using var client = new EcrClient(
            new EcrClientOptions { Endpoint = new Uri("http://127.0.0.1:18080"), Region = "us-east-1", Credentials = Credentials, RetryBaseDelay = TimeSpan.FromSeconds(1) },
            handler);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetAuthorizationTokenAsync(cancellationToken: cancel.Token));
    }

    private sealed class ThrowingHandler(Exception exception) : HttpMessageHandler
    {
        public int Calls { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Calls++;
            return Task.FromException<HttpResponseMessage>(exception);
        }
    }

    // Waits on the request's token, advancing the fake clock past the attempt timeout once it is waiting.
    private sealed class HangingHandler(FakeTimeProvider time, TimeSpan advance) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var wait = Task.Delay(Timeout.Infinite, cancellationToken);
            time.Advance(advance);
            await wait;
            return new HttpResponseMessage(HttpStatusCode.OK);
        }
    }
}
