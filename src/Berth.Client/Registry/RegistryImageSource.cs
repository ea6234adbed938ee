using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Berth.Client.Transfer;
using Berth.Protocol;
using Berth.Protocol.Oci;

namespace Berth.Client.Registry;

/// <summary>Reads an image from a registry over the OCI distribution API (manifests and blobs).</summary>
public sealed class RegistryImageSource : IImageSource
{
    // Registries cap manifests at a few MiB (ECR: 4 MiB); anything bigger is not a manifest.
    private const int MaxManifestBytes = 8 * 1024 * 1024;
    private const int MaxRedirects = 5;

    private static readonly string[] ManifestTypes = [MediaTypes.OciManifest, MediaTypes.OciIndex, MediaTypes.DockerManifest, MediaTypes.DockerManifestList];

    private readonly RegistryImageReference _reference;
    private readonly RegistryTransport _transport;

    private RegistryImageSource(RegistryImageReference reference, RegistryTransport transport)
    {
        _reference = reference;
        _transport = transport;
    }

    /// <inheritdoc/>
    public string Name => _reference.Text;

    /// <inheritdoc/>
    public RegistryLocation? Location => _reference.Location;

    /// <summary>Resolves credentials (an expired ECR-style login fails here) and pings the registry.</summary>
    /// <param name="reference">The image.</param>
    /// <param name="options">TLS, credentials, timeouts.</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>The source; dispose it to close its connections.</returns>
    /// <exception cref="TransferException">The registry cannot be reached or the login has expired.</exception>
    public static Task<RegistryImageSource> OpenAsync(RegistryImageReference reference, TransferOptions options, CancellationToken cancellationToken) =>
        OpenAsync(reference, options, null, cancellationToken);

    // Tests put a fake or fault-injecting handler between the transport and the network.
    internal static async Task<RegistryImageSource> OpenAsync(
        RegistryImageReference reference, TransferOptions options, Func<HttpMessageHandler, HttpMessageHandler>? wrapHandler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var transport = await RegistryTransport.ConnectAsync(reference.Host, reference.Repository, push: false, options, cancellationToken, wrapHandler);
        return new RegistryImageSource(reference, transport);
    }

    /// <inheritdoc/>
    public async Task<ManifestContent> GetManifestAsync(string? digest, CancellationToken cancellationToken)
    {
        var reference = digest ?? _reference.ManifestReference;
        var expected = digest ?? _reference.Digest;
        var url = _transport.RepositoryUrl("manifests/" + reference);
        using var response = await _transport.SendAsync(
            () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Get, url);
                foreach (var type in ManifestTypes)
                {
                    request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
                }

                return request;
            },
            HttpCompletionOption.ResponseHeadersRead,
            timeout: true,
            cancellationToken);

        var what = $"reading manifest {reference} of {_reference.Host}/{_reference.Repository}";
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw await _transport.ErrorAsync(response, what, cancellationToken);
        }

        if (response.Content.Headers.ContentLength > MaxManifestBytes)
        {
            throw new TransferException($"{what}: the manifest is {response.Content.Headers.ContentLength} bytes, more than the {MaxManifestBytes} a manifest may have");
        }

        byte[] bytes;
        try
        {
            bytes = await ReadLimitedAsync(response.Content, cancellationToken)
                ?? throw new TransferException($"{what}: the manifest is larger than {MaxManifestBytes} bytes");
        }
        catch (Exception e) when (RegistryTransport.IsTransportFailure(e) && !cancellationToken.IsCancellationRequested)
        {
            throw _transport.Unreachable(url, e);
        }

        var mediaType = MediaTypeOf(response, bytes)
            ?? throw new TransferException($"{what}: the registry did not say what kind of manifest it is");

        // Fetched by digest: the bytes must hash to it, or the registry (or something between) changed them.
        var content = ManifestContent.From(bytes, mediaType, expected);
        var actual = content.Digest;
        if (expected is not null && actual != expected)
        {
            throw new TransferException($"{what}: the registry sent content with digest {actual}, not {expected}");
        }

        if (expected is null && response.Headers.TryGetValues("Docker-Content-Digest", out var header)
            && header.FirstOrDefault() is { } claimed && claimed.StartsWith("sha256:", StringComparison.Ordinal) && claimed != actual)
        {
            throw new TransferException($"{what}: the registry says the manifest is {claimed}, but its content is {actual}");
        }

        return content;
    }

    /// <inheritdoc/>
    public async Task<Stream> OpenBlobAsync(Descriptor blob, long offset, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        var what = $"reading blob {blob.Digest} of {_reference.Host}/{_reference.Repository}";
        var url = _transport.RepositoryUrl("blobs/" + blob.Digest);
        var onRegistry = true;
        for (var redirects = 0; ; redirects++)
        {
            var target = url;
            var sendCredentials = onRegistry;
            HttpResponseMessage response;
            try
            {
                response = await _transport.SendRawAsync(
                    () =>
                    {
                        var request = new HttpRequestMessage(HttpMethod.Get, target);
                        if (offset > 0)
                        {
                            request.Headers.Range = new RangeHeaderValue(offset, null);
                        }

                        if (!sendCredentials)
                        {
                            // A redirect to storage (ECR → S3) carries its own signature; the registry's credentials stay home.
                            request.Options.Set(RegistryTransport.WithoutCredentials, true);
                        }

                        return request;
                    },
                    HttpCompletionOption.ResponseHeadersRead,
                    timeout: true,
                    cancellationToken);
            }
            catch (Exception e) when (RegistryTransport.IsTransportFailure(e) && !cancellationToken.IsCancellationRequested)
            {
                throw _transport.Unreachable(target, e);
            }

            if (response.StatusCode is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther
                or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect && response.Headers.Location is { } location)
            {
                response.Dispose();
                if (redirects >= MaxRedirects)
                {
                    throw new TransferException($"{what}: more than {MaxRedirects} redirects");
                }

                url = new Uri(target, response.Headers.Location!);
                onRegistry = onRegistry && url.Authority == _transport.BaseAddress.Authority;
                continue;
            }

            try
            {
                if (response.StatusCode == HttpStatusCode.PartialContent && offset > 0)
                {
                    return await OwningStream.CreateAsync(response, skip: 0, cancellationToken);
                }

                if (response.StatusCode == HttpStatusCode.OK)
                {
                    // A server that ignores Range sends everything: drop the bytes before the offset.
                    return await OwningStream.CreateAsync(response, skip: offset, cancellationToken);
                }

                throw await _transport.ErrorAsync(response, what, cancellationToken);
            }
            catch
            {
                response.Dispose();
                throw;
            }
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _transport.Dispose();
        return ValueTask.CompletedTask;
    }

    private static string? MediaTypeOf(HttpResponseMessage response, byte[] bytes)
    {
        if (response.Content.Headers.ContentType?.MediaType is { } header && MediaTypes.IsSupportedManifest(header))
        {
            return header;
        }

        // Some registries answer application/json; the manifest's own mediaType member says what it is.
        try
        {
            using var document = JsonDocument.Parse(bytes);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("mediaType", out var member) && member.GetString() is { } declared && MediaTypes.IsSupportedManifest(declared))
            {
                return declared;
            }

            // An OCI manifest may omit mediaType: manifests is an index, config an image manifest.
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document.RootElement.TryGetProperty("manifests", out _) ? MediaTypes.OciIndex
                    : document.RootElement.TryGetProperty("config", out _) ? MediaTypes.OciManifest
                    : null;
            }
        }
        catch (JsonException)
        {
            return null;
        }

        return null;
    }

    private static async Task<byte[]?> ReadLimitedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxManifestBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    // A blob body that disposes its response (and so returns the connection) when the caller disposes it.
    private sealed class OwningStream(HttpResponseMessage response, Stream inner) : Stream
    {
        public static async Task<Stream> CreateAsync(HttpResponseMessage response, long skip, CancellationToken cancellationToken)
        {
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[81920];
            while (skip > 0)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, skip)), cancellationToken);
                if (read == 0)
                {
                    throw new TransferException("the registry sent less of the blob than the offset to resume from");
                }

                skip -= read;
            }

            return new OwningStream(response, stream);
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => inner.Read(buffer);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                response.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
