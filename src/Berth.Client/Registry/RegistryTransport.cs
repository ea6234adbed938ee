using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Berth.Client.Transfer;
using Berth.Protocol.Tokens;

namespace Berth.Client.Registry;

/// <summary>One registry repository over HTTP for a transfer: the scheme that answered the ping, the credentials,
/// one pooled client, and one-line errors.</summary>
internal sealed class RegistryTransport : IDisposable
{
    private const int MaxErrorBody = 64 * 1024;

    private readonly HttpClient _client;
    private readonly RegistryPing.HttpSniffer _sniffer = new();
    private readonly BasicCredentials? _credentials;
    private readonly bool _push;
    private readonly SemaphoreSlim _tokenLock = new(1, 1);
    private AuthenticationHeaderValue? _authorization;
    private AuthenticationHeaderValue? _bearerChallenge;

    private RegistryTransport(string host, string repository, bool push, TransferOptions options, BasicCredentials? credentials, Func<HttpMessageHandler, HttpMessageHandler>? wrapHandler)
    {
        Host = host;
        Repository = repository;
        Options = options;
        _push = push;
        _credentials = credentials;
        HttpMessageHandler handler = RegistryPing.CreateHandler(options.TlsVerify, _sniffer, Math.Max(options.Jobs + 2, 4));
        handler = wrapHandler is null ? handler : wrapHandler(handler);
        _client = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        _client.DefaultRequestHeaders.UserAgent.ParseAdd(ClientAssembly.UserAgent);
        _client.DefaultRequestHeaders.Add("Docker-Distribution-Api-Version", "registry/2.0");
    }

    /// <summary>Marks a request that must not carry the registry's credentials (a redirect to other storage).</summary>
    public static HttpRequestOptionsKey<bool> WithoutCredentials { get; } = new("Berth.WithoutCredentials");

    public string Host { get; }

    public string Repository { get; }

    public TransferOptions Options { get; }

    /// <summary><c>https://HOST</c> or, when verification is off and https failed, <c>http://HOST</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Resolves credentials (failing early on an expired login), pings <c>/v2/</c> to pick the scheme
    /// and learn the challenge.</summary>
    public static async Task<RegistryTransport> ConnectAsync(
        string host, string repository, bool push, TransferOptions options, CancellationToken cancellationToken, Func<HttpMessageHandler, HttpMessageHandler>? wrapHandler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var credentials = await RegistryCredentials.ResolveAsync(host, repository, options, cancellationToken);
        var transport = new RegistryTransport(host, repository, push, options, credentials, wrapHandler);
        try
        {
            await transport.PingAsync(cancellationToken);
            return transport;
        }
        catch
        {
            transport.Dispose();
            throw;
        }
    }

    /// <summary>A URL on the registry (an absolute <paramref name="pathOrUrl"/>, e.g. an upload Location, stays as it is).</summary>
    public Uri Url(string pathOrUrl) => new(BaseAddress, pathOrUrl);

    /// <summary>A URL in this repository: <c>/v2/REPO/<paramref name="rest"/></c>.</summary>
    public Uri RepositoryUrl(string rest) => Url($"/v2/{Repository}/{rest}");

    /// <summary>Sends a request; transport failures propagate (<see cref="HttpRequestException"/>, <see cref="IOException"/>,
    /// <see cref="TimeoutException"/>) so an upload can retry them. A Bearer token is fetched again once on 401 when
    /// <paramref name="create"/> can make the request again.</summary>
    public async Task<HttpResponseMessage> SendRawAsync(
        Func<HttpRequestMessage> create, HttpCompletionOption completion, bool timeout, CancellationToken cancellationToken, bool canResend = true)
    {
        var response = await SendOnceAsync(create, completion, timeout, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Unauthorized && canResend && _bearerChallenge is not null)
        {
            response.Dispose();
            await FetchBearerTokenAsync(cancellationToken);
            response = await SendOnceAsync(create, completion, timeout, cancellationToken);
        }

        return response;
    }

    /// <summary>Fetches a new Bearer token when the registry uses them (a long upload can outlive one).</summary>
    /// <returns>Whether there was a token to renew.</returns>
    public async Task<bool> RenewBearerTokenAsync(CancellationToken cancellationToken)
    {
        if (_bearerChallenge is null)
        {
            return false;
        }

        await FetchBearerTokenAsync(cancellationToken);
        return true;
    }

    /// <summary><see cref="SendRawAsync"/>, with transport failures turned into <c>cannot reach registry …</c>.</summary>
    public async Task<HttpResponseMessage> SendAsync(
        Func<HttpRequestMessage> create, HttpCompletionOption completion, bool timeout, CancellationToken cancellationToken)
    {
        Uri? url = null;
        try
        {
            return await SendRawAsync(
                () =>
                {
                    var request = create();
                    url = request.RequestUri;
                    return request;
                },
                completion,
                timeout,
                cancellationToken);
        }
        catch (Exception e) when (IsTransportFailure(e) && !cancellationToken.IsCancellationRequested)
        {
            throw Unreachable(url, e);
        }
    }

    /// <summary>Whether <paramref name="e"/> is a connection failure or timeout (worth a retry), not a cancellation.</summary>
    public static bool IsTransportFailure(Exception e) => e is HttpRequestException or IOException or TimeoutException;

    /// <summary><c>cannot reach registry HOST (URL): reason</c>.</summary>
    public TransferException Unreachable(Uri? url, Exception e) =>
        new($"cannot reach registry {Host} ({url}): {Reason(e)}", e);

    /// <summary>Turns an unexpected answer into one line: authentication advice for 401, expiry advice for an
    /// expired token, else <c><paramref name="what"/>: CODE: message</c> with the registry's own words.</summary>
    public async Task<TransferException> ErrorAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        var (code, message) = await ReadErrorAsync(response, cancellationToken);
        var detail = code is null
            ? $"unexpected status {(int)response.StatusCode} ({response.ReasonPhrase}){(message is null ? "" : ": " + message)}"
            : $"{code}{(message is null ? "" : ": " + message)}";

        if (response.StatusCode == HttpStatusCode.Forbidden && message is not null && message.Contains("expired", StringComparison.OrdinalIgnoreCase)
            && (code is null or "DENIED"))
        {
            return new TransferException(RegistryCredentials.ExpiredAdvice(Host, TokenEnvelope.TryParse(_credentials?.Password)?.ExpiresAt));
        }

        var text = response.StatusCode == HttpStatusCode.Unauthorized
            ? $"authentication required for {Host}: run 'berth login {Host}' ({what}: {detail})"
            : $"{what}: {detail}";
        return new TransferException(Redact(text));
    }

    /// <summary>The OCI error code and message of a response body (or its short text), never more than one line.</summary>
    public static async Task<(string? Code, string? Message)> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        string body;
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[MaxErrorBody];
            var read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
            body = Encoding.UTF8.GetString(buffer, 0, read);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return (null, null);
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0)
            {
                var first = errors[0];
                var code = first.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
                var message = first.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
                return (code, OneLine(message));
            }
        }
        catch (JsonException)
        {
            // Not an OCI error body; use its text when it is short.
        }

        var text = body.Trim();
        return (null, text.Length is 0 or > 200 || text.Contains('\n', StringComparison.Ordinal) ? null : text);
    }

    public void Dispose()
    {
        _client.Dispose();
        _tokenLock.Dispose();
    }

    private async Task<HttpResponseMessage> SendOnceAsync(Func<HttpRequestMessage> create, HttpCompletionOption completion, bool timeout, CancellationToken cancellationToken)
    {
        using var request = create();
        if (!request.Options.TryGetValue(WithoutCredentials, out var without) || !without)
        {
            request.Headers.Authorization ??= _authorization;
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout)
        {
            limit.CancelAfter(Options.RequestTimeout);
        }

        try
        {
            // With ResponseHeadersRead the token covers the headers only; a blob body is read with the caller's token.
            return await _client.SendAsync(request, completion, limit.Token);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no answer within {Options.RequestTimeout.TotalSeconds:0} s", e);
        }
    }

    private async Task PingAsync(CancellationToken cancellationToken)
    {
        TransferException? failure = null;
        foreach (var scheme in Options.TlsVerify ? (string[])["https"] : ["https", "http"])
        {
            Uri baseAddress;
            try
            {
                baseAddress = new Uri($"{scheme}://{Host}");
            }
            catch (UriFormatException e)
            {
                throw new TransferException($"invalid registry address \"{Host}\"", e);
            }

            var url = new Uri(baseAddress, "/v2/");
            _sniffer.Reset();
            try
            {
                using var response = await SendOnceAsync(() => new HttpRequestMessage(HttpMethod.Get, url), HttpCompletionOption.ResponseHeadersRead, timeout: true, cancellationToken);
                if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized)
                {
                    BaseAddress = baseAddress;
                    await ChooseAuthorizationAsync(response, cancellationToken);
                    return;
                }

                failure = new TransferException($"cannot reach registry {Host} ({url}): unexpected status {(int)response.StatusCode} ({response.ReasonPhrase})");
            }
            catch (Exception e) when (IsTransportFailure(e) && !cancellationToken.IsCancellationRequested)
            {
                failure = scheme == "https" && _sniffer.SawHttpResponse
                    ? new TransferException($"cannot reach registry {Host} ({url}): http: server gave HTTP response to HTTPS client{(Options.TlsVerify ? " (use --tls-verify=false for a plain-http registry)" : "")}", e)
                    : Unreachable(url, e);
            }
        }

        throw failure!;
    }

    private async Task ChooseAuthorizationAsync(HttpResponseMessage ping, CancellationToken cancellationToken)
    {
        if (ping.StatusCode == HttpStatusCode.Unauthorized
            && ping.Headers.WwwAuthenticate.FirstOrDefault(c => string.Equals(c.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase)) is { } bearer)
        {
            _bearerChallenge = bearer;
            await FetchBearerTokenAsync(cancellationToken);
            return;
        }

        // ECR style: Basic on every request, no token exchange.
        _authorization = _credentials is null ? null : new AuthenticationHeaderValue("Basic", _credentials.Encode());
    }

    // distribution/zot: GET realm?service=…&scope=repository:REPO:pull[,push] (with Basic credentials when we have
    // them) answers {"token"} or {"access_token"}, sent as Bearer.
    private async Task FetchBearerTokenAsync(CancellationToken cancellationToken)
    {
        await _tokenLock.WaitAsync(cancellationToken);
        try
        {
            var parameters = ParseChallenge(_bearerChallenge?.Parameter);
            if (!parameters.TryGetValue("realm", out var realm) || !Uri.TryCreate(realm, UriKind.Absolute, out var realmUri))
            {
                throw new TransferException($"registry {Host} asks for a Bearer token without a usable realm");
            }

            var query = new StringBuilder();
            if (parameters.TryGetValue("service", out var service))
            {
                query.Append("service=").Append(Uri.EscapeDataString(service));
            }

            query.Append(query.Length > 0 ? "&" : "").Append("scope=").Append(Uri.EscapeDataString($"repository:{Repository}:{(_push ? "pull,push" : "pull")}"));
            var url = new UriBuilder(realmUri) { Query = string.IsNullOrEmpty(realmUri.Query) ? query.ToString() : realmUri.Query.TrimStart('?') + "&" + query }.Uri;

            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Options.Set(WithoutCredentials, true);
            if (_credentials is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", _credentials.Encode());
            }

            HttpResponseMessage response;
            try
            {
                response = await SendOnceAsync(() => request, HttpCompletionOption.ResponseContentRead, timeout: true, cancellationToken);
            }
            catch (Exception e) when (IsTransportFailure(e) && !cancellationToken.IsCancellationRequested)
            {
                throw new TransferException($"cannot reach the token service of {Host} ({realmUri.GetLeftPart(UriPartial.Path)}): {Reason(e)}", e);
            }

            using (response)
            {
                if (!response.IsSuccessStatusCode)
                {
                    throw response.StatusCode == HttpStatusCode.Unauthorized
                        ? new TransferException($"authentication required for {Host}: run 'berth login {Host}' (the token service answered 401)")
                        : new TransferException($"getting a token for {Host}: unexpected status {(int)response.StatusCode} ({response.ReasonPhrase})");
                }

                using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
                var token = document.RootElement.TryGetProperty("token", out var t) && t.GetString() is { Length: > 0 } value ? value
                    : document.RootElement.TryGetProperty("access_token", out var a) && a.GetString() is { Length: > 0 } access ? access
                    : throw new TransferException($"the token service of {Host} answered without a token");
                _authorization = new AuthenticationHeaderValue("Bearer", token);
            }
        }
        catch (JsonException e)
        {
            throw new TransferException($"the token service of {Host} answered something that is not JSON", e);
        }
        finally
        {
            _tokenLock.Release();
        }
    }

    private static Dictionary<string, string> ParseChallenge(string? parameter)
    {
        // realm="…",service="…",scope="…" — values are quoted and contain no quotes.
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var text = parameter ?? "";
        var i = 0;
        while (i < text.Length)
        {
            var eq = text.IndexOf('=', i);
            if (eq < 0)
            {
                break;
            }

            var key = text[i..eq].Trim(' ', ',');
            string value;
            if (eq + 1 < text.Length && text[eq + 1] == '"')
            {
                var close = text.IndexOf('"', eq + 2);
                close = close < 0 ? text.Length : close;
                value = text[(eq + 2)..close];
                i = close + 1;
            }
            else
            {
                var comma = text.IndexOf(',', eq + 1);
                comma = comma < 0 ? text.Length : comma;
                value = text[(eq + 1)..comma].Trim();
                i = comma;
            }

            result[key] = value;
            i++;
        }

        return result;
    }

    private static string Reason(Exception e)
    {
        if (e is TimeoutException)
        {
            return "request timed out";
        }

        var inner = e;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return inner is System.Net.Sockets.SocketException socket ? socket.Message : OneLine(RegistryPing.Describe(e)) ?? e.GetType().Name;
    }

    private static string? OneLine(string? text) =>
        text is null ? null : string.Join(' ', text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));

    private string Redact(string text) =>
        _credentials is { Password.Length: >= 4 } c ? text.Replace(c.Password, "<redacted>", StringComparison.Ordinal) : text;
}
