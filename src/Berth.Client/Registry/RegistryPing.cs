using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.Json;
using Berth.Protocol.Oci;
using Berth.Protocol.Tokens;

namespace Berth.Client.Registry;

/// <summary>How a credential check ended.</summary>
public enum CredentialCheckStatus
{
    /// <summary>The registry accepted the credentials (or needs none).</summary>
    Valid,

    /// <summary>The registry answered 401 to the credentials: wrong user or password.</summary>
    InvalidCredentials,

    /// <summary>The registry understood the credentials and refused them (403, e.g. an expired token).</summary>
    Rejected,

    /// <summary>The registry could not be reached or did not behave like an ECR-style registry.</summary>
    Failed,
}

/// <summary>The outcome of <see cref="RegistryPing.CheckCredentialsAsync"/>.</summary>
/// <param name="Status">How it ended.</param>
/// <param name="Message">What went wrong, in podman's words where podman has them; empty when valid. Never contains the password.</param>
/// <param name="BaseAddress">The <c>scheme://host</c> that answered, when one did.</param>
public sealed record CredentialCheckResult(CredentialCheckStatus Status, string Message, Uri? BaseAddress)
{
    /// <summary>Whether the credentials were accepted.</summary>
    public bool IsValid => Status == CredentialCheckStatus.Valid;
}

/// <summary>Verifies registry credentials the way <c>podman login</c> does (containers/image <c>CheckAuth</c>).</summary>
/// <remarks>
/// <para>First an unauthenticated <c>GET /v2/</c>: 200 means the registry wants no credentials (accepted, as podman
/// does); 401 must carry a <c>Basic</c> challenge (ECR's scheme), or the check fails, because a registry that asks for
/// another scheme cannot verify the password. Then <c>GET /v2/</c> with <c>Authorization: Basic</c>: 200 valid,
/// 401 invalid credentials, 403 refused with the registry's OCI error message (e.g. an expired token).</para>
/// <para>https is tried first. With TLS verification off, certificates are not checked and any failure of the https
/// attempt falls back to plain http, as podman does; with it on, only https is used, and a server that answers a TLS
/// handshake in plain HTTP gets podman's <c>http: server gave HTTP response to HTTPS client</c>.</para>
/// </remarks>
public sealed class RegistryPing : IDisposable
{
    private const int MaxErrorBody = 64 * 1024;

    private readonly HttpClient _client;
    private readonly HttpSniffer? _sniffer;

    /// <summary>Creates a checker.</summary>
    /// <param name="tlsVerify">Whether to verify TLS certificates and insist on https.</param>
    /// <param name="handler">A handler to send requests through (tests); it is not disposed. By default a private
    /// <see cref="SocketsHttpHandler"/> is used.</param>
    /// <param name="timeout">Limit for each request; default 30 seconds.</param>
    public RegistryPing(bool tlsVerify = true, HttpMessageHandler? handler = null, TimeSpan? timeout = null)
    {
        TlsVerify = tlsVerify;
        if (handler is null)
        {
            _sniffer = new HttpSniffer();
            handler = CreateHandler(tlsVerify, _sniffer);
            _client = new HttpClient(handler, disposeHandler: true);
        }
        else
        {
            _client = new HttpClient(handler, disposeHandler: false);
        }

        _client.Timeout = timeout ?? TimeSpan.FromSeconds(30);
        _client.DefaultRequestHeaders.UserAgent.ParseAdd(ClientAssembly.UserAgent);
        _client.DefaultRequestHeaders.Add("Docker-Distribution-Api-Version", "registry/2.0");
    }

    /// <summary>Whether TLS is verified (and https required).</summary>
    public bool TlsVerify { get; }

    /// <summary>Checks <paramref name="credentials"/> against <c>/v2/</c> of <paramref name="registry"/>.</summary>
    /// <param name="registry">The registry's <c>host[:port]</c>.</param>
    /// <param name="credentials">User and password to try.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>The outcome; failures are reported, not thrown.</returns>
    public async Task<CredentialCheckResult> CheckCredentialsAsync(string registry, BasicCredentials credentials, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(registry);
        ArgumentNullException.ThrowIfNull(credentials);

        var ping = await PingAsync(registry, cancellationToken);
        if (ping.Failure is not null)
        {
            return Redact(ping.Failure, credentials);
        }

        var baseAddress = ping.BaseAddress!;
        if (ping.Status == HttpStatusCode.OK)
        {
            // No challenge: the registry wants no credentials, and podman reports success.
            return new CredentialCheckResult(CredentialCheckStatus.Valid, "", baseAddress);
        }

        if (!ping.Challenges.Any(c => string.Equals(c.Scheme, "Basic", StringComparison.OrdinalIgnoreCase)))
        {
            var offered = ping.Challenges.Count == 0 ? "no WWW-Authenticate challenge" : "WWW-Authenticate: " + string.Join(", ", ping.Challenges.Select(c => c.Scheme));
            return new CredentialCheckResult(
                CredentialCheckStatus.Failed,
                $"registry {registry} does not offer Basic authentication on GET \"{new Uri(baseAddress, "/v2/")}\" ({offered}); it cannot check a password",
                baseAddress);
        }

        var url = new Uri(baseAddress, "/v2/");
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", credentials.Encode());
        HttpResponseMessage response;
        try
        {
            response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return Redact(new CredentialCheckResult(CredentialCheckStatus.Failed, $"Get \"{url}\": {Describe(e)}", baseAddress), credentials);
        }

        using (response)
        {
            var result = response.StatusCode switch
            {
                HttpStatusCode.OK => new CredentialCheckResult(CredentialCheckStatus.Valid, "", baseAddress),
                HttpStatusCode.Unauthorized => new CredentialCheckResult(CredentialCheckStatus.InvalidCredentials, await DescribeErrorAsync(response, cancellationToken), baseAddress),
                HttpStatusCode.Forbidden => new CredentialCheckResult(CredentialCheckStatus.Rejected, await DescribeErrorAsync(response, cancellationToken), baseAddress),
                _ => new CredentialCheckResult(CredentialCheckStatus.Failed, await DescribeErrorAsync(response, cancellationToken), baseAddress),
            };
            return Redact(result, credentials);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _client.Dispose();

    private async Task<PingOutcome> PingAsync(string registry, CancellationToken cancellationToken)
    {
        var https = await PingSchemeAsync("https", registry, cancellationToken);
        if (https.Failure is null || TlsVerify)
        {
            return https;
        }

        // containers/image: with verification off, any https failure (no TLS, bad certificate, odd status) retries over http.
        return await PingSchemeAsync("http", registry, cancellationToken);
    }

    private async Task<PingOutcome> PingSchemeAsync(string scheme, string registry, CancellationToken cancellationToken)
    {
        Uri baseAddress;
        try
        {
            baseAddress = new Uri($"{scheme}://{registry}");
        }
        catch (UriFormatException)
        {
            return PingOutcome.Failed(registry, $"invalid registry address \"{registry}\"");
        }

        var url = new Uri(baseAddress, "/v2/");
        _sniffer?.Reset();
        try
        {
            using var response = await _client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.Unauthorized))
            {
                return PingOutcome.Failed(registry, $"error pinging registry {registry}, response code {(int)response.StatusCode} ({response.ReasonPhrase})");
            }

            return new PingOutcome(baseAddress, response.StatusCode, response.Headers.WwwAuthenticate.ToList(), null);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            var reason = scheme == "https" && _sniffer?.SawHttpResponse == true
                ? "http: server gave HTTP response to HTTPS client"
                : Describe(e);
            return PingOutcome.Failed(registry, $"Get \"{url}\": {reason}");
        }
    }

    // Shared with the transfer transport: no automatic redirects (a redirect to another host must not carry the
    // registry's Authorization), a connect timeout, and a TLS sniffer for Go's "HTTP response to HTTPS client".
    internal static SocketsHttpHandler CreateHandler(bool tlsVerify, HttpSniffer sniffer, int maxConnectionsPerServer = int.MaxValue)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            MaxConnectionsPerServer = maxConnectionsPerServer,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            ConnectTimeout = TimeSpan.FromSeconds(15),
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }

                Stream stream = new NetworkStream(socket, ownsSocket: true);
                return context.InitialRequestMessage.RequestUri?.Scheme == Uri.UriSchemeHttps ? new SniffingStream(stream, sniffer) : stream;
            },
        };

        if (!tlsVerify)
        {
            // --tls-verify=false: the user chose to trust whatever certificate the registry presents, as podman does.
#pragma warning disable CA5359 // Do not disable certificate validation: this is the explicit, documented opt-out.
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
        }

        return handler;
    }

    private static async Task<string> DescribeErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = $"{(int)response.StatusCode} ({response.ReasonPhrase})";
        string body;
        try
        {
            var bytes = await ReadLimitedAsync(response.Content, cancellationToken);
            body = System.Text.Encoding.UTF8.GetString(bytes);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return $"unexpected status code {status}";
        }

        try
        {
            if (JsonSerializer.Deserialize(body, OciJsonContext.Default.OciErrorBody) is { Errors.Count: > 0 } oci)
            {
                // docker and containers/image render OCI errors as "<lower-cased code>: <message>".
                return string.Join("; ", oci.Errors.Select(e =>
                    $"{e.Code.ToLowerInvariant()}: {e.Message}{(string.IsNullOrEmpty(e.Detail) ? "" : $" ({e.Detail})")}"));
            }
        }
        catch (JsonException)
        {
            // Not an OCI body (or a detail that is not a string); fall through to the raw text.
        }

        var text = body.Trim();
        return text.Length == 0 || text.Length > 200 || text.Contains('\n', StringComparison.Ordinal)
            ? $"unexpected status code {status}"
            : $"unexpected status code {status}: {text}";
    }

    private static async Task<byte[]> ReadLimitedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while (buffer.Length < MaxErrorBody && (read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    // Go-like text for a failed request: the innermost cause, e.g. "Connection refused".
    internal static string Describe(Exception e)
    {
        if (e is TaskCanceledException)
        {
            return "request timed out";
        }

        var inner = e;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return inner switch
        {
            SocketException socket => $"dial tcp: {socket.Message}",
            AuthenticationException tls => $"tls: {tls.Message}",
            _ => inner.Message,
        };
    }

    private static CredentialCheckResult Redact(CredentialCheckResult result, BasicCredentials credentials) =>
        credentials.Password.Length >= 4 && result.Message.Contains(credentials.Password, StringComparison.Ordinal)
            ? result with { Message = result.Message.Replace(credentials.Password, "<redacted>", StringComparison.Ordinal) }
            : result;

    private sealed record PingOutcome(Uri? BaseAddress, HttpStatusCode Status, IReadOnlyList<AuthenticationHeaderValue> Challenges, CredentialCheckResult? Failure)
    {
        public static PingOutcome Failed(string registry, string message) =>
            new(null, 0, [], new CredentialCheckResult(CredentialCheckStatus.Failed, $"pinging container registry {registry}: {message}", null));
    }

    // Remembers whether the first bytes a TLS connection received were "HTTP/": the server answered the
    // ClientHello in plain HTTP. Go's net/http makes the same check to print its well-known message.
    internal sealed class HttpSniffer
    {
        private int _sawHttp;

        public bool SawHttpResponse => Volatile.Read(ref _sawHttp) == 1;

        public void Reset() => Volatile.Write(ref _sawHttp, 0);

        public void Saw() => Volatile.Write(ref _sawHttp, 1);
    }

    private sealed class SniffingStream(Stream inner, HttpSniffer sniffer) : Stream
    {
        private static readonly byte[] HttpPrefix = "HTTP/"u8.ToArray();
        private readonly byte[] _head = new byte[5];
        private int _headLength;

        public override bool CanRead => inner.CanRead;

        public override bool CanSeek => false;

        public override bool CanWrite => inner.CanWrite;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Observe(buffer.AsSpan(offset, inner.Read(buffer, offset, count)));

        public override int Read(Span<byte> buffer) => Observe(buffer[..inner.Read(buffer)]);

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            return Observe(buffer.Span[..read]);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.WriteAsync(buffer, offset, count, cancellationToken);

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            await base.DisposeAsync();
        }

        private int Observe(ReadOnlySpan<byte> received)
        {
            if (_headLength < _head.Length && received.Length > 0)
            {
                var take = Math.Min(_head.Length - _headLength, received.Length);
                received[..take].CopyTo(_head.AsSpan(_headLength));
                _headLength += take;
                if (_headLength == _head.Length && _head.AsSpan().SequenceEqual(HttpPrefix))
                {
                    sniffer.Saw();
                }
            }

            return received.Length;
        }
    }
}
