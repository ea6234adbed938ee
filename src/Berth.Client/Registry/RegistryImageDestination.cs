using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Berth.Client.Transfer;
using Berth.Protocol.Oci;

namespace Berth.Client.Registry;

/// <summary>Writes an image to a registry: HEAD to skip what is there, cross-repository mounts on the same registry,
/// chunked uploads that resume from the server's offset after a connection failure or restart, then manifests.</summary>
public sealed class RegistryImageDestination : IImageDestination
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);

    // A fresh upload that vanishes again and again (the registry forgets sessions) is not worth chasing forever.
    private const int MaxFreshUploads = 5;
    private const int MaxTokenRenewals = 3;

    private readonly RegistryImageReference _reference;
    private readonly RegistryTransport _transport;

    private RegistryImageDestination(RegistryImageReference reference, RegistryTransport transport)
    {
        _reference = reference;
        _transport = transport;
    }

    /// <inheritdoc/>
    public string Name => _reference.Text;

    /// <inheritdoc/>
    public bool SupportsIndex => true;

    private string What => $"{_reference.Host}/{_reference.Repository}";

    /// <summary>Resolves credentials (an expired ECR-style login fails here) and pings the registry.</summary>
    /// <param name="reference">Where to push; the root manifest goes under its digest when it has one, else its tag
    /// (<c>latest</c> by default).</param>
    /// <param name="options">TLS, credentials, chunk size, retry budget, timeouts.</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>The destination; dispose it to close its connections.</returns>
    /// <exception cref="TransferException">The registry cannot be reached or the login has expired.</exception>
    public static Task<RegistryImageDestination> OpenAsync(RegistryImageReference reference, TransferOptions options, CancellationToken cancellationToken) =>
        OpenAsync(reference, options, null, cancellationToken);

    // Tests put a fault-injecting handler between the transport and the network.
    internal static async Task<RegistryImageDestination> OpenAsync(
        RegistryImageReference reference, TransferOptions options, Func<HttpMessageHandler, HttpMessageHandler>? wrapHandler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(options);
        if (options.ChunkSize <= 0)
        {
            throw new TransferException($"the chunk size must be positive, not {options.ChunkSize}");
        }

        var transport = await RegistryTransport.ConnectAsync(reference.Host, reference.Repository, push: true, options, cancellationToken, wrapHandler);
        return new RegistryImageDestination(reference, transport);
    }

    /// <inheritdoc/>
    public async Task<BlobPresence> PrepareBlobAsync(Descriptor blob, RegistryLocation? source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        var url = _transport.RepositoryUrl("blobs/" + blob.Digest);
        using (var head = await _transport.SendAsync(() => new HttpRequestMessage(HttpMethod.Head, url), HttpCompletionOption.ResponseHeadersRead, timeout: true, cancellationToken))
        {
            if (head.StatusCode == HttpStatusCode.OK)
            {
                return BlobPresence.Exists;
            }

            if (head.StatusCode != HttpStatusCode.NotFound)
            {
                // A HEAD answer has no body to say why (e.g. an expired token): ask again with GET for the error.
                using var get = await _transport.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, url), HttpCompletionOption.ResponseHeadersRead, timeout: true, cancellationToken);
                throw await _transport.ErrorAsync(get.IsSuccessStatusCode ? head : get, $"checking blob {blob.Digest} in {What}", cancellationToken);
            }
        }

        if (source is null || !string.Equals(source.Host, _reference.Host, StringComparison.OrdinalIgnoreCase))
        {
            return BlobPresence.Missing;
        }

        var mount = _transport.RepositoryUrl($"blobs/uploads/?mount={Uri.EscapeDataString(blob.Digest!)}&from={Uri.EscapeDataString(source.Repository)}");
        using var response = await _transport.SendAsync(() => new HttpRequestMessage(HttpMethod.Post, mount) { Content = Empty() }, HttpCompletionOption.ResponseHeadersRead, timeout: true, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Created)
        {
            return BlobPresence.Mounted;
        }

        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            throw await _transport.ErrorAsync(response, $"mounting blob {blob.Digest} from {source.Repository} into {What}", cancellationToken);
        }

        if (response.StatusCode == HttpStatusCode.Accepted && response.Headers.Location is { } location)
        {
            // The registry could not mount (no access to the source, or it does not mount) and opened an upload
            // instead; PutBlobAsync starts its own, so this one is cancelled rather than left to expire.
            var upload = _transport.Url(location.ToString());
            try
            {
                using var cancel = await _transport.SendRawAsync(() => new HttpRequestMessage(HttpMethod.Delete, upload), HttpCompletionOption.ResponseHeadersRead, timeout: true, cancellationToken);
            }
            catch (Exception e) when (RegistryTransport.IsTransportFailure(e) && !cancellationToken.IsCancellationRequested)
            {
                // Best effort: an abandoned upload session is the registry's to clean up.
            }
        }

        return BlobPresence.Missing;
    }

    /// <inheritdoc/>
    public async Task PutBlobAsync(Descriptor blob, BlobOpener open, Action<long> position, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(open);
        ArgumentNullException.ThrowIfNull(position);
        var upload = new Upload(this, blob, open, position);
        try
        {
            await upload.RunAsync(cancellationToken);
        }
        finally
        {
            await upload.DropSourceAsync();
        }
    }

    /// <inheritdoc/>
    public async Task PutManifestAsync(ManifestContent manifest, bool isRoot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        string reference;
        if (!isRoot)
        {
            reference = manifest.Digest;
        }
        else if (_reference.Digest is { } digest)
        {
            if (digest != manifest.Digest)
            {
                throw new TransferException($"the image is {manifest.Digest}, but the destination {_reference.Text} names {digest}");
            }

            reference = digest;
        }
        else
        {
            reference = _reference.Tag ?? "latest";
        }

        var url = _transport.RepositoryUrl("manifests/" + reference);
        using var response = await _transport.SendAsync(
            () =>
            {
                var content = new ByteArrayContent(manifest.Bytes);
                content.Headers.ContentType = new MediaTypeHeaderValue(manifest.MediaType);
                return new HttpRequestMessage(HttpMethod.Put, url) { Content = content };
            },
            HttpCompletionOption.ResponseHeadersRead,
            timeout: true,
            cancellationToken);

        if (!response.IsSuccessStatusCode)
        {
            throw await _transport.ErrorAsync(response, $"writing manifest {reference} to {What}", cancellationToken);
        }

        if (response.Headers.TryGetValues("Docker-Content-Digest", out var values) && values.FirstOrDefault() is { } stored
            && stored.StartsWith("sha256:", StringComparison.Ordinal) && manifest.Digest.StartsWith("sha256:", StringComparison.Ordinal) && stored != manifest.Digest)
        {
            throw new TransferException($"writing manifest {reference} to {What}: the registry stored {stored}, not {manifest.Digest}");
        }
    }

    /// <inheritdoc/>
    public Task CommitAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _transport.Dispose();
        return ValueTask.CompletedTask;
    }

    private static ByteArrayContent Empty() => new([]);

    private static string AppendQuery(Uri location, string query) =>
        location.ToString() + (string.IsNullOrEmpty(location.Query) ? "?" : "&") + query;

    // "0-N" (or "bytes=0-N") → N + 1 bytes received; the registry's "0-0" for an empty upload is read as 0.
    private static long? ParseRangeEnd(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Range", out var values) || values.FirstOrDefault() is not { } text)
        {
            return null;
        }

        text = text.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase) ? text[6..] : text;
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        return dash > 0 && long.TryParse(text.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var end) ? end : null;
    }

    private static bool IsRetryableStatus(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

    // An exception the content stream threw (the source failed or ended early) arrives wrapped in HttpRequestException;
    // it is not a network failure and must not be retried.
    private static TransferException? SourceFailure(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is TransferException transfer)
            {
                return transfer;
            }
        }

        return null;
    }

    /// <summary>One blob's upload: a session, the server's offset, the source stream positioned there.</summary>
    private sealed class Upload(RegistryImageDestination owner, Descriptor blob, BlobOpener open, Action<long> position)
    {
        private readonly RegistryTransport _transport = owner._transport;
        private readonly string _what = $"uploading blob {blob.Digest} to {owner.What}";
        private Uri? _location;
        private long _offset;
        private bool _needStatus;
        private long _rejectedStart = -1;
        private Stream? _source;
        private long _sourceAt = -1;
        private int _failures;
        private long _retryingSince;
        private int _freshUploads;
        private bool _done;
        private int _tokenRenewals;

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            while (!_done)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Uri? url = _location;
                try
                {
                    if (_location is null)
                    {
                        if (++_freshUploads > MaxFreshUploads)
                        {
                            throw new TransferException($"{_what}: the registry lost the upload {MaxFreshUploads} times; giving up");
                        }

                        url = _transport.RepositoryUrl("blobs/uploads/");
                        await StartAsync(url, cancellationToken);
                    }
                    else if (_needStatus)
                    {
                        await StatusAsync(_location, cancellationToken);
                    }
                    else if (_offset < blob.Size)
                    {
                        await PatchAsync(_location, cancellationToken);
                    }
                    else
                    {
                        url = new Uri(AppendQuery(_location, "digest=" + Uri.EscapeDataString(blob.Digest!)));
                        await PutAsync(url, cancellationToken);
                    }
                }
                catch (Exception e) when (RegistryTransport.IsTransportFailure(e) && !cancellationToken.IsCancellationRequested)
                {
                    if (SourceFailure(e) is { } source)
                    {
                        throw source;
                    }

                    await DropSourceAsync();
                    await BackOffAsync(_transport.Unreachable(url, e), cancellationToken);
                }
            }

            position(blob.Size);
        }

        private async Task StartAsync(Uri url, CancellationToken cancellationToken)
        {
            using var response = await _transport.SendRawAsync(() => new HttpRequestMessage(HttpMethod.Post, url) { Content = Empty() }, HttpCompletionOption.ResponseHeadersRead, timeout: true, cancellationToken);
            if (response.StatusCode == HttpStatusCode.Accepted && response.Headers.Location is { } location)
            {
                _location = _transport.Url(location.ToString());
                _offset = 0;
                _needStatus = false;
                position(0);
                Progressed();
                return;
            }

            await FailOrRetryAsync(response, cancellationToken);
        }

        // GET on the upload: 204 with Range 0-N says where to continue; 404 means the session is gone.
        private async Task StatusAsync(Uri location, CancellationToken cancellationToken)
        {
            using var response = await _transport.SendRawAsync(() => new HttpRequestMessage(HttpMethod.Get, location), HttpCompletionOption.ResponseHeadersRead, timeout: true, cancellationToken);
            if (response.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.Accepted or HttpStatusCode.OK)
            {
                var end = ParseRangeEnd(response);
                var received = end is null ? 0 : end == 0 && _rejectedStart != 0 ? 0 : end.Value + 1;
                _location = response.Headers.Location is { } moved ? _transport.Url(moved.ToString()) : location;
                _offset = Math.Min(received, blob.Size);
                _needStatus = false;
                position(_offset);
                return;
            }

            await FailOrRetryAsync(response, cancellationToken);
        }

        private async Task PatchAsync(Uri location, CancellationToken cancellationToken)
        {
            if (_source is null || _sourceAt != _offset)
            {
                await DropSourceAsync();
                _source = await open(_offset, cancellationToken);
                _sourceAt = _offset;
            }

            var start = _offset;
            var length = Math.Min(_transport.Options.ChunkSize, blob.Size - start);
            var chunk = new ChunkStream(_source, length, blob, read => position(start + read));

            // Whatever happens to the request, the source has moved by an unknown amount until the PATCH succeeds.
            _sourceAt = -1;
            using var response = await _transport.SendRawAsync(
                () =>
                {
                    var content = new StreamContent(chunk, 81920);
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                    content.Headers.ContentLength = length;
                    content.Headers.TryAddWithoutValidation("Content-Range", string.Create(CultureInfo.InvariantCulture, $"{start}-{start + length - 1}"));
                    return new HttpRequestMessage(HttpMethod.Patch, location) { Content = content };
                },
                HttpCompletionOption.ResponseHeadersRead,
                timeout: false,
                cancellationToken,
                canResend: false);

            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                _sourceAt = start + length;
                _location = response.Headers.Location is { } next ? _transport.Url(next.ToString()) : location;
                _offset = ParseRangeEnd(response) is { } end ? end + 1 : start + length;
                _rejectedStart = -1;
                position(_offset);
                Progressed();
                return;
            }

            if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                // The registry holds a different amount than we thought (a write landed partly): ask and continue there.
                // Also the answer while an interrupted request still holds the upload: back off, then ask.
                _rejectedStart = start;
                await DropSourceAsync();
                await BackOffAsync(new TransferException($"{_what}: the registry refused the chunk at {start} (416)"), cancellationToken);
                return;
            }

            await FailOrRetryAsync(response, cancellationToken);
        }

        // Success ends the upload; FailOrRetryAsync may end it too (a lost session whose blob is there after all).
        private async Task PutAsync(Uri url, CancellationToken cancellationToken)
        {
            using var response = await _transport.SendRawAsync(() => new HttpRequestMessage(HttpMethod.Put, url) { Content = Empty() }, HttpCompletionOption.ResponseHeadersRead, timeout: true, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                _done = true;
            }
            else if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                _needStatus = true;
            }
            else
            {
                await FailOrRetryAsync(response, cancellationToken);
            }
        }

        // The session is gone (404): if a PUT whose answer was lost completed it, or someone else pushed the same
        // blob, it is there; otherwise start over from byte 0.
        private async Task SessionGoneAsync(CancellationToken cancellationToken)
        {
            _location = null;
            _needStatus = false;
            await DropSourceAsync();
            _done = await ExistsAsync(cancellationToken);
        }

        private async Task<bool> ExistsAsync(CancellationToken cancellationToken)
        {
            var url = _transport.RepositoryUrl("blobs/" + blob.Digest);
            using var head = await _transport.SendRawAsync(() => new HttpRequestMessage(HttpMethod.Head, url), HttpCompletionOption.ResponseHeadersRead, timeout: true, cancellationToken);
            return head.StatusCode == HttpStatusCode.OK;
        }

        private async Task FailOrRetryAsync(HttpResponseMessage response, CancellationToken cancellationToken)
        {
            if (IsRetryableStatus(response.StatusCode))
            {
                var (code, message) = await RegistryTransport.ReadErrorAsync(response, cancellationToken);
                await DropSourceAsync();
                await BackOffAsync(
                    new TransferException($"{_what}: {code ?? $"status {(int)response.StatusCode} ({response.ReasonPhrase})"}{(message is null ? "" : ": " + message)}"),
                    cancellationToken);
                return;
            }

            // A PATCH body cannot be sent twice, so an expired Bearer token is renewed here and the upload resumes.
            if (response.StatusCode == HttpStatusCode.Unauthorized && _tokenRenewals < MaxTokenRenewals && await _transport.RenewBearerTokenAsync(cancellationToken))
            {
                _tokenRenewals++;
                await DropSourceAsync();
                _needStatus = _location is not null;
                return;
            }

            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                var (code, message) = await RegistryTransport.ReadErrorAsync(response, cancellationToken);
                if (code is null or "BLOB_UPLOAD_UNKNOWN")
                {
                    await SessionGoneAsync(cancellationToken);
                    return;
                }

                throw new TransferException($"{_what}: {code}{(message is null ? "" : ": " + message)}");
            }

            throw await _transport.ErrorAsync(response, _what, cancellationToken);
        }

        private async Task BackOffAsync(TransferException failure, CancellationToken cancellationToken)
        {
            _needStatus = _location is not null;
            if (_failures == 0)
            {
                _retryingSince = Stopwatch.GetTimestamp();
            }

            var delay = TimeSpan.FromTicks(Math.Min(MaxRetryDelay.Ticks, FirstRetryDelay.Ticks << Math.Min(_failures, 10)));
            _failures++;
            if (Stopwatch.GetElapsedTime(_retryingSince) + delay > _transport.Options.RetryBudget)
            {
                throw new TransferException($"{failure.Message} (gave up after retrying for {Stopwatch.GetElapsedTime(_retryingSince).TotalSeconds:0} s)", failure.InnerException ?? failure);
            }

            await Task.Delay(delay, cancellationToken);
        }

        // The registry accepted bytes: the retry budget starts afresh for the next failure.
        private void Progressed() => _failures = 0;

        public async ValueTask DropSourceAsync()
        {
            if (_source is not null)
            {
                await _source.DisposeAsync();
                _source = null;
            }

            _sourceAt = -1;
        }
    }

    /// <summary>At most <c>length</c> bytes of the source, reporting how many were read; it never disposes the source
    /// (the next chunk continues from it) and fails when the source ends early.</summary>
    private sealed class ChunkStream(Stream source, long length, Descriptor blob, Action<long> read) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var want = (int)Math.Min(buffer.Length, length - _read);
            if (want == 0)
            {
                return 0;
            }

            var got = await source.ReadAsync(buffer[..want], cancellationToken);
            if (got == 0)
            {
                throw new TransferException($"the source of blob {blob.Digest} ended before its {blob.Size} bytes");
            }

            _read += got;
            read(_read);
            return got;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
