using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace Berth.Bench;

/// <summary>The OCI distribution requests the workload sends; every answer is checked, a wrong one ends the run.</summary>
internal sealed class RegistryClient : IDisposable
{
    public const string ManifestMediaType = "application/vnd.oci.image.manifest.v1+json";

    private static readonly MediaTypeHeaderValue OctetStream = new("application/octet-stream");
    private readonly HttpClient _http;
    private readonly string _repository;

    public RegistryClient(RegistryServer server, string repository)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
            MaxConnectionsPerServer = int.MaxValue,
            AllowAutoRedirect = true,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        _http = new HttpClient(handler) { BaseAddress = server.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.Authorization = server.Authorization;
        _repository = repository;
    }

    /// <summary>Collects the latency of each upload request (POST, PATCH, PUT) while set.</summary>
    public RequestTimer? Timer { get; set; }

    /// <summary>Authenticated <c>GET /v2/</c>.</summary>
    public async Task PingAsync(CancellationToken ct)
    {
        using var response = await _http.GetAsync(new Uri("v2/", UriKind.Relative), ct);
        await ExpectAsync(response, HttpStatusCode.OK, "GET /v2/", ct);
    }

    /// <summary>Monolithic push: <c>POST</c> an upload, then one <c>PUT ?digest=</c> carrying the whole blob.</summary>
    public async Task PushMonolithicAsync(SyntheticBlob blob, CancellationToken ct)
    {
        var location = await StartUploadAsync(ct);
        using var request = new HttpRequestMessage(HttpMethod.Put, WithDigest(location, blob.Digest)) { Content = blob.Slice(0, blob.Length) };
        request.Content.Headers.ContentType = OctetStream;
        using var response = await TimedAsync("PUT with body", request, ct);
        await ExpectCreatedAsync(response, blob.Digest, "PUT upload", ct);
    }

    /// <summary>Chunked push: <c>POST</c>, <paramref name="chunks"/> × <c>PATCH</c> with Content-Range, empty <c>PUT ?digest=</c>.</summary>
    public async Task PushChunkedAsync(SyntheticBlob blob, int chunks, CancellationToken ct)
    {
        var location = await StartUploadAsync(ct);
        var chunkSize = (blob.Length + chunks - 1) / chunks;
        for (long offset = 0; offset < blob.Length; offset += chunkSize)
        {
            var count = Math.Min(chunkSize, blob.Length - offset);
            using var patch = new HttpRequestMessage(HttpMethod.Patch, location) { Content = blob.Slice(offset, count) };
            patch.Content.Headers.ContentType = OctetStream;
            patch.Content.Headers.TryAddWithoutValidation("Content-Range", $"{offset}-{offset + count - 1}");
            using var response = await TimedAsync("PATCH", patch, ct);
            await ExpectAsync(response, HttpStatusCode.Accepted, "PATCH upload", ct);
            location = NextLocation(response, location);
        }

        await CompleteAsync(location, blob.Digest, ct);
    }

    /// <summary>
    /// Streamed push of generated content: <c>POST</c>, one <c>PATCH</c> whose body is produced and hashed on the fly,
    /// then an empty <c>PUT ?digest=</c> with the digest computed while sending.
    /// </summary>
    public async Task<string> PushGeneratedAsync(long length, ulong seed, CancellationToken ct)
    {
        var location = await StartUploadAsync(ct);
        var content = new PseudoRandomContent(length, seed);
        using (var patch = new HttpRequestMessage(HttpMethod.Patch, location) { Content = content })
        {
            patch.Content.Headers.ContentType = OctetStream;
            using var response = await _http.SendAsync(patch, ct);
            await ExpectAsync(response, HttpStatusCode.Accepted, "PATCH upload", ct);
            location = NextLocation(response, location);
        }

        var digest = content.Digest ?? throw new InvalidOperationException("the generated content was not sent");
        await CompleteAsync(location, digest, ct);
        return digest;
    }

    /// <summary><c>GET</c> a blob and read it to the end into <paramref name="buffer"/>; returns the byte count.</summary>
    public async Task<long> PullAsync(string digest, byte[] buffer, CancellationToken ct)
    {
        using var response = await _http.GetAsync(BlobUri(digest), HttpCompletionOption.ResponseHeadersRead, ct);
        await ExpectAsync(response, HttpStatusCode.OK, "GET blob", ct);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, ct)) > 0)
        {
            total += read;
        }

        return total;
    }

    /// <summary><c>GET</c> a blob as a stream (for verifying content outside the timed part).</summary>
    public async Task<Stream> OpenBlobAsync(string digest, CancellationToken ct)
    {
        var response = await _http.GetAsync(BlobUri(digest), HttpCompletionOption.ResponseHeadersRead, ct);
        await ExpectAsync(response, HttpStatusCode.OK, "GET blob", ct);
        return await response.Content.ReadAsStreamAsync(ct);
    }

    /// <summary><c>HEAD</c> a blob; returns its Content-Length.</summary>
    public async Task<long> HeadBlobAsync(string digest, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, BlobUri(digest));
        using var response = await _http.SendAsync(request, ct);
        await ExpectAsync(response, HttpStatusCode.OK, "HEAD blob", ct);
        return response.Content.Headers.ContentLength ?? -1;
    }

    /// <summary><c>PUT</c> an OCI image manifest under a tag.</summary>
    public async Task PutManifestAsync(string tag, byte[] manifest, string digest, CancellationToken ct)
    {
        using var content = new ByteArrayContent(manifest);
        content.Headers.ContentType = new MediaTypeHeaderValue(ManifestMediaType);
        using var response = await _http.PutAsync(new Uri($"v2/{_repository}/manifests/{tag}", UriKind.Relative), content, ct);
        await ExpectCreatedAsync(response, digest, "PUT manifest", ct);
    }

    /// <summary><c>GET</c> a manifest by tag with an OCI Accept header; returns its length.</summary>
    public async Task<int> GetManifestAsync(string tag, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"v2/{_repository}/manifests/{tag}", UriKind.Relative));
        request.Headers.Accept.ParseAdd(ManifestMediaType);
        using var response = await _http.SendAsync(request, ct);
        await ExpectAsync(response, HttpStatusCode.OK, "GET manifest", ct);
        return (await response.Content.ReadAsByteArrayAsync(ct)).Length;
    }

    public void Dispose() => _http.Dispose();

    private async Task<HttpResponseMessage> TimedAsync(string kind, HttpRequestMessage request, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var response = await _http.SendAsync(request, ct);
        Timer?.Add(kind, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return response;
    }

    private async Task<Uri> StartUploadAsync(CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"v2/{_repository}/blobs/uploads/", UriKind.Relative)) { Content = new ByteArrayContent([]) };
        using var response = await TimedAsync("POST", request, ct);
        await ExpectAsync(response, HttpStatusCode.Accepted, "POST upload", ct);
        return NextLocation(response, null);
    }

    private async Task CompleteAsync(Uri location, string digest, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, WithDigest(location, digest)) { Content = new ByteArrayContent([]) };
        using var response = await TimedAsync("PUT (empty)", request, ct);
        await ExpectCreatedAsync(response, digest, "PUT upload", ct);
    }

    private Uri BlobUri(string digest) => new($"v2/{_repository}/blobs/{digest}", UriKind.Relative);

    // Location may be relative (Berth) or absolute with a _state query that changes on every PATCH (distribution).
    private Uri NextLocation(HttpResponseMessage response, Uri? previous)
    {
        var location = response.Headers.Location ?? previous ?? throw new InvalidOperationException("upload response without Location");
        return location.IsAbsoluteUri ? location : new Uri(_http.BaseAddress!, location);
    }

    private static Uri WithDigest(Uri location, string digest)
    {
        var separator = string.IsNullOrEmpty(location.Query) ? "?" : "&";
        return new Uri(location.AbsoluteUri + separator + "digest=" + Uri.EscapeDataString(digest));
    }

    private static async Task ExpectCreatedAsync(HttpResponseMessage response, string digest, string what, CancellationToken ct)
    {
        await ExpectAsync(response, HttpStatusCode.Created, what, ct);
        if (!response.Headers.TryGetValues("Docker-Content-Digest", out var values) || !values.Contains(digest))
        {
            throw new InvalidOperationException($"{what}: Docker-Content-Digest is not {digest}");
        }
    }

    private static async Task ExpectAsync(HttpResponseMessage response, HttpStatusCode expected, string what, CancellationToken ct)
    {
        if (response.StatusCode != expected)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            throw new InvalidOperationException(
                $"{what} {response.RequestMessage?.RequestUri}: expected {(int)expected}, got {(int)response.StatusCode}: {body[..Math.Min(body.Length, 500)]}");
        }
    }
}

/// <summary>Latencies of individual requests by kind, from send to response headers (the body upload included).</summary>
internal sealed class RequestTimer
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<double>> _byKind = new(StringComparer.Ordinal);

    public void Add(string kind, double milliseconds) => _byKind.GetOrAdd(kind, _ => new()).Enqueue(milliseconds);

    public Dictionary<string, double[]> Snapshot() => _byKind.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);
}
