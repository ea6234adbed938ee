using System.Collections.Frozen;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Amazon.Runtime;
using Berth.Protocol.Aws;
using Berth.Protocol.Ecr;

namespace Berth.Client.Ecr;

/// <summary>A client for Amazon ECR's AWS JSON 1.1 API that sends exactly what botocore (the aws CLI) sends.</summary>
/// <remarks>
/// Nothing here is Berth-specific: pointed at <see cref="EcrEndpoints.Default"/> it talks to real ECR. Every attempt is
/// signed afresh (new <c>X-Amz-Date</c>, fresh credentials); retries follow botocore's legacy mode (HTTP 500, 502, 503,
/// 504, 509, 429 and HTTP 400 throttling codes), with a short jittered exponential backoff.
/// </remarks>
public sealed class EcrClient : IDisposable
{
    private static readonly FrozenSet<HttpStatusCode> RetryableStatuses = new[]
    {
        HttpStatusCode.InternalServerError, HttpStatusCode.BadGateway, HttpStatusCode.ServiceUnavailable,
        HttpStatusCode.GatewayTimeout, (HttpStatusCode)509, HttpStatusCode.TooManyRequests,
    }.ToFrozenSet();

    // botocore/data/_retry.json: these codes are retried when they come with HTTP 400.
    private static readonly FrozenSet<string> ThrottlingCodes = new[]
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "ProvisionedThroughputExceededException",
    }.ToFrozenSet(StringComparer.Ordinal);

    private readonly EcrClientOptions _options;
    private readonly HttpClient _http;
    private readonly Uri _requestUri;

    /// <summary>Creates a client with its own HTTP handler.</summary>
    public EcrClient(EcrClientOptions options)
        : this(options, new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(60), AutomaticDecompression = DecompressionMethods.None }, disposeHandler: true)
    {
    }

    /// <summary>Creates a client that sends through <paramref name="handler"/> (tests, proxies, custom TLS).</summary>
    /// <param name="options">Endpoint, region, credentials, clock and retry settings.</param>
    /// <param name="handler">The HTTP handler.</param>
    /// <param name="disposeHandler">Whether disposing the client disposes <paramref name="handler"/>.</param>
    public EcrClient(EcrClientOptions options, HttpMessageHandler handler, bool disposeHandler = true)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentException.ThrowIfNullOrEmpty(options.Region);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxAttempts, 1);
        if (!options.Endpoint.IsAbsoluteUri || options.Endpoint.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException("The endpoint must be an absolute http:// or https:// URL.", nameof(options));
        }

        _options = options;
        _http = new HttpClient(handler, disposeHandler) { Timeout = Timeout.InfiniteTimeSpan };
        _requestUri = RequestUri(options.Endpoint);
    }

    /// <summary>The URL every request goes to: the endpoint's scheme, authority and path (<c>/</c> when it has none).</summary>
    public Uri RequestUrl => _requestUri;

    /// <summary>Calls <c>GetAuthorizationToken</c>.</summary>
    /// <param name="request">The input; <see langword="null"/> sends <c>{}</c>, as <c>aws ecr get-login-password</c> does.</param>
    /// <param name="cancellationToken">Cancels the call, including retry delays.</param>
    /// <exception cref="EcrServiceException">The service answered with an error.</exception>
    /// <exception cref="EcrConnectionException">The endpoint could not be reached.</exception>
    /// <exception cref="EcrException">The response or the credentials were unusable, or it holds no authorization data.</exception>
    public async Task<GetAuthorizationTokenResponse> GetAuthorizationTokenAsync(
        GetAuthorizationTokenRequest? request = null, CancellationToken cancellationToken = default)
    {
        const string Operation = "GetAuthorizationToken";
        var body = JsonSerializer.SerializeToUtf8Bytes(request ?? new GetAuthorizationTokenRequest(), EcrJsonContext.Default.GetAuthorizationTokenRequest);
        var response = await InvokeAsync(Operation, body, EcrJsonContext.Default.GetAuthorizationTokenResponse, cancellationToken);
        if (response.AuthorizationData is null || response.AuthorizationData.Any(d => d?.AuthorizationToken is null))
        {
            throw new EcrException($"The {Operation} response has no authorizationData.");
        }

        // Callers use the first entry, as the aws CLI does.
        return response.AuthorizationData.Count > 0
            ? response
            : throw new EcrException($"The {Operation} response has an empty authorizationData list.");
    }

    /// <inheritdoc/>
    public void Dispose() => _http.Dispose();

    /// <summary>Builds one signed attempt of an ECR API call, exactly as botocore builds it.</summary>
    /// <remarks>Signed headers: <c>content-type;host;x-amz-date[;x-amz-security-token];x-amz-target</c>; no <c>X-Amz-Content-Sha256</c>.</remarks>
    internal static HttpRequestMessage CreateSignedRequest(
        Uri requestUri, string operation, byte[] body, ImmutableCredentials credentials, string region, DateTimeOffset now, int attempt, int maxAttempts, string invocationId)
    {
        var amzDate = now.UtcDateTime.ToString(SigV4.DateFormat, CultureInfo.InvariantCulture);
        var host = requestUri.IsDefaultPort
            ? requestUri.IdnHost
            : string.Create(CultureInfo.InvariantCulture, $"{requestUri.IdnHost}:{requestUri.Port}");
        var target = EcrProtocol.TargetPrefix + "." + operation;
        var token = string.IsNullOrEmpty(credentials.Token) ? null : credentials.Token;

        var signed = new List<KeyValuePair<string, IReadOnlyList<string>>>
        {
            new("content-type", [EcrProtocol.ContentType]),
            new("host", [host]),
            new("x-amz-date", [amzDate]),
        };
        if (token is not null)
        {
            signed.Add(new("x-amz-security-token", [token]));
        }

        signed.Add(new("x-amz-target", [target]));
        var canonicalRequest = SigV4.CanonicalRequest("POST", Uri.UnescapeDataString(requestUri.AbsolutePath), [], signed, SigV4.HexSha256(body));
        var scope = new CredentialScope(amzDate[..8], region, EcrProtocol.SigningName);
        var signature = SigV4.Sign(credentials.SecretKey, scope, SigV4.StringToSign(amzDate, scope, canonicalRequest));
        var authorization = new SigV4Authorization(credentials.AccessKey, scope, string.Join(';', signed.Select(h => h.Key)), signature);

        var request = new HttpRequestMessage(HttpMethod.Post, requestUri)
        {
            Version = HttpVersion.Version11,
            Content = new ByteArrayContent(body),
        };
        request.Headers.Host = host;
        request.Headers.TryAddWithoutValidation("Accept-Encoding", "identity");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(EcrProtocol.ContentType);
        request.Headers.TryAddWithoutValidation("User-Agent", ClientAssembly.UserAgent);
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Security-Token", token);
        }

        request.Headers.TryAddWithoutValidation("Authorization", authorization.ToString());
        request.Headers.TryAddWithoutValidation("amz-sdk-invocation-id", invocationId);
        request.Headers.TryAddWithoutValidation("amz-sdk-request", string.Create(CultureInfo.InvariantCulture, $"attempt={attempt}; max={maxAttempts}"));
        return request;
    }

    internal static bool IsRetryable(HttpStatusCode status, string code) =>
        RetryableStatuses.Contains(status) || (status == HttpStatusCode.BadRequest && ThrottlingCodes.Contains(code));

    // botocore joins the operation's "/" onto the endpoint: the endpoint's own path when it has one, else "/".
    // User info is dropped: SigV4 is the only authentication, and the URL appears in error messages.
    private static Uri RequestUri(Uri endpoint) =>
        new UriBuilder(endpoint) { UserName = "", Password = "", Query = "", Fragment = "" }.Uri;

    private async Task<TResponse> InvokeAsync<TResponse>(string operation, byte[] body, JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken)
    {
        var invocationId = Guid.NewGuid().ToString();
        for (var attempt = 1; ; attempt++)
        {
            var credentials = await GetCredentialsAsync();
            using var request = CreateSignedRequest(
                _requestUri, operation, body, credentials, _options.Region, _options.TimeProvider.GetUtcNow(), attempt, _options.MaxAttempts, invocationId);
            using var attemptTimeout = new CancellationTokenSource(_options.AttemptTimeout, _options.TimeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, attemptTimeout.Token);

            HttpStatusCode status;
            byte[] responseBody;
            string? requestId;
            try
            {
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, linked.Token);
                status = response.StatusCode;
                requestId = response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.FirstOrDefault() : null;
                responseBody = await response.Content.ReadAsByteArrayAsync(linked.Token);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new EcrConnectionException(_requestUri, $"Read timeout on endpoint URL: \"{_requestUri}\"", e);
            }
            catch (HttpRequestException e)
            {
                throw ConnectionError(e);
            }

            if ((int)status is >= 200 and < 300)
            {
                return Deserialize(operation, responseBody, responseType);
            }

            var error = EcrError.Parse((int)status, responseBody);
            var retryable = IsRetryable(status, error.Code);
            if (retryable && attempt < _options.MaxAttempts)
            {
                await DelayBeforeRetryAsync(attempt, cancellationToken);
                continue;
            }

            throw new EcrServiceException(operation, error, status, requestId, attempt - 1, retryable);
        }
    }

    private async Task<ImmutableCredentials> GetCredentialsAsync()
    {
        ImmutableCredentials? credentials;
        try
        {
            credentials = await _options.Credentials.GetCredentialsAsync();
        }
        catch (AmazonClientException e)
        {
            // The AWS SDK's messages name the source and the problem, never the secret.
            throw new EcrException($"Error when retrieving credentials: {e.Message}", e);
        }

        if (credentials is null || string.IsNullOrEmpty(credentials.AccessKey) || string.IsNullOrEmpty(credentials.SecretKey))
        {
            throw new EcrException("Unable to locate credentials.");
        }

        return credentials;
    }

    private static TResponse Deserialize<TResponse>(string operation, byte[] body, JsonTypeInfo<TResponse> type)
    {
        try
        {
            return JsonSerializer.Deserialize(body, type) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new EcrException($"The {operation} response is not valid JSON of the expected shape.", e);
        }
    }

    private async Task DelayBeforeRetryAsync(int attempt, CancellationToken cancellationToken)
    {
        var ceiling = _options.RetryBaseDelay * Math.Pow(2, attempt - 1);
        var delay = ceiling * Random.Shared.NextDouble();
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, _options.TimeProvider, cancellationToken);
        }
    }

    // The aws CLI's wording for the same failures (botocore EndpointConnectionError, SSLError, ConnectionClosedError).
    private EcrConnectionException ConnectionError(HttpRequestException e)
    {
        var message = e.HttpRequestError switch
        {
            HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.ProxyTunnelError =>
                $"Could not connect to the endpoint URL: \"{_requestUri}\"",
            HttpRequestError.SecureConnectionError =>
                $"SSL validation failed for {_requestUri} {e.InnerException?.Message ?? e.Message}",
            HttpRequestError.ResponseEnded =>
                $"Connection was closed before we received a valid response from endpoint URL: \"{_requestUri}\".",
            _ => $"An HTTP Client raised an unhandled exception: {e.Message}",
        };
        return new EcrConnectionException(_requestUri, message, e);
    }
}
