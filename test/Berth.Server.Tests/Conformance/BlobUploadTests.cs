using System.Net;

namespace Berth.Server.Tests.Conformance;

/// <summary>end-4a/4b (POST), end-5 (PATCH), end-6 (PUT), end-13 (GET status) and end-14 (DELETE) of blob uploads.</summary>
public sealed class BlobUploadTests(OciServerFixture fixture) : IClassFixture<OciServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private OciClient Client => fixture.Client;

    [Fact]
    public async Task StartUpload_202WithLocationUuidRangeAndEmptyBody()
    {
        var repository = OciServerFixture.NewRepository();

        using var response = await Client.SendAsync(HttpMethod.Post, $"/v2/{repository}/blobs/uploads/", OciContent.Octets([]));

        await OciAssert.StatusAsync(HttpStatusCode.Accepted, response);
        OciAssert.UploadHeaders(response, repository, received: 0);
        Assert.Equal(0, response.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task StartUpload_Twice_DistinctSessions()
    {
        var repository = OciServerFixture.NewRepository();

        var one = await Client.StartUploadAsync(repository);
        var two = await Client.StartUploadAsync(repository);

        Assert.NotEqual(one, two);
    }

    [Fact]
    public async Task MonolithicPut_201WithBlobLocationAndDigest_BlobReadsBack()
    {
        var repository = OciServerFixture.NewRepository();
        var content = OciContent.RandomBytes(4096);
        var digest = OciContent.Digest(content);
        var location = await Client.StartUploadAsync(repository);

        using var response = await Client.SendAsync(HttpMethod.Put, OciClient.WithDigest(location, digest), OciContent.Octets(content));
        using var blob = await Client.GetAsync($"/v2/{repository}/blobs/{digest}");

        await OciAssert.BlobCreatedAsync(response, repository, digest);
        Assert.Equal(0, response.Content.Headers.ContentLength);
        Assert.Equal(content, await blob.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task MonolithicPut_DigestNotUrlEncoded_Accepted()
    {
        var repository = OciServerFixture.NewRepository();
        var content = OciContent.RandomBytes(100);
        var digest = OciContent.Digest(content);
        var location = await Client.StartUploadAsync(repository);

        using var response = await Client.SendAsync(HttpMethod.Put, $"{location}?digest={digest}", OciContent.Octets(content));

        await OciAssert.BlobCreatedAsync(response, repository, digest);
    }

    [Fact]
    public async Task SinglePost_WithDigest_201AndBlobReadsBack()
    {
        var repository = OciServerFixture.NewRepository();
        var content = OciContent.RandomBytes(2000);
        var digest = OciContent.Digest(content);

        using var response = await Client.SendAsync(
            HttpMethod.Post, $"/v2/{repository}/blobs/uploads/?digest={Uri.EscapeDataString(digest)}", OciContent.Octets(content));
        using var blob = await Client.GetAsync($"/v2/{repository}/blobs/{digest}");

        await OciAssert.BlobCreatedAsync(response, repository, digest);
        Assert.Equal(content, await blob.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task SinglePost_DigestDoesNotMatch_400DigestInvalidAndNothingStored()
    {
        var repository = OciServerFixture.NewRepository();
        var content = OciContent.RandomBytes(2000);
        var claimed = OciContent.UnknownDigest();
        var uploads = UploadFiles();

        using var response = await Client.SendAsync(
            HttpMethod.Post, $"/v2/{repository}/blobs/uploads/?digest={Uri.EscapeDataString(claimed)}", OciContent.Octets(content));
        using var byClaimed = await Client.HeadAsync($"/v2/{repository}/blobs/{claimed}");
        using var byActual = await Client.HeadAsync($"/v2/{repository}/blobs/{OciContent.Digest(content)}");

        await OciAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "DIGEST_INVALID");
        Assert.Equal(HttpStatusCode.NotFound, byClaimed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, byActual.StatusCode);
        Assert.Equal(uploads, UploadFiles());
    }

    [Theory]
    [InlineData("sha256:abc")]
    [InlineData("md5:d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("not-a-digest")]
    [InlineData("")]
    public async Task SinglePost_MalformedDigest_400DigestInvalidAndNoUploadLeftBehind(string digest)
    {
        var repository = OciServerFixture.NewRepository();
        await Client.PushBlobAsync(repository, OciContent.RandomBytes(10));
        var uploads = UploadFiles();

        using var response = await Client.SendAsync(
            HttpMethod.Post, $"/v2/{repository}/blobs/uploads/?digest={Uri.EscapeDataString(digest)}", OciContent.Octets(OciContent.RandomBytes(10)));

        await OciAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "DIGEST_INVALID");
        Assert.Equal(uploads, UploadFiles());
    }

    [Fact]
    public async Task ChunkedUpload_PatchesWithContentRange_202WithRangeThenPut201()
    {
        var repository = OciServerFixture.NewRepository();
        var content = OciContent.RandomBytes(3000);
        var digest = OciContent.Digest(content);
        var location = await Client.StartUploadAsync(repository);

        // Each PATCH goes to the Location of the previous response, as the spec says clients SHOULD.
        for (var offset = 0; offset < content.Length; offset += 1000)
        {
            using var patch = await PatchAsync(location, content[offset..(offset + 1000)], $"{offset}-{offset + 999}");
            await OciAssert.StatusAsync(HttpStatusCode.Accepted, patch);
            location = OciAssert.UploadHeaders(patch, repository, received: offset + 1000);
            Assert.Equal(0, patch.Content.Headers.ContentLength);
        }

        using var put = await Client.SendAsync(HttpMethod.Put, OciClient.WithDigest(location, digest));
        using var blob = await Client.GetAsync($"/v2/{repository}/blobs/{digest}");

        await OciAssert.BlobCreatedAsync(put, repository, digest);
        Assert.Equal(content, await blob.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task ChunkedUpload_FinalChunkInPut_201()
    {
        var repository = OciServerFixture.NewRepository();
        var content = OciContent.RandomBytes(2000);
        var digest = OciContent.Digest(content);
        var location = await Client.StartUploadAsync(repository);
        using var patch = await PatchAsync(location, content[..1500], "0-1499");
        location = OciAssert.Location(patch);

        using var put = await Client.SendAsync(HttpMethod.Put, OciClient.WithDigest(location, digest), OciContent.Octets(content[1500..]), r =>
            r.Content!.Headers.TryAddWithoutValidation("Content-Range", "1500-1999"));
        using var blob = await Client.GetAsync($"/v2/{repository}/blobs/{digest}");

        await OciAssert.BlobCreatedAsync(put, repository, digest);
        Assert.Equal(content, await blob.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task StreamedPatch_ChunkedTransferEncodingWithoutContentLength_202AndBlobReadsBack()
    {
        var repository = OciServerFixture.NewRepository();
        var content = OciContent.RandomBytes(50_000);
        var digest = OciContent.Digest(content);
        var location = await Client.StartUploadAsync(repository);
        using var body = new StreamContent(new NonSeekableStream(content));
        body.Headers.ContentType = new("application/octet-stream");

        using var patch = await Client.SendAsync(HttpMethod.Patch, location, body);
        Assert.Null(body.Headers.ContentLength);
        Assert.True(patch.RequestMessage?.Headers.TransferEncodingChunked);
        await OciAssert.StatusAsync(HttpStatusCode.Accepted, patch);
        location = OciAssert.UploadHeaders(patch, repository, received: content.Length);

        using var put = await Client.SendAsync(HttpMethod.Put, OciClient.WithDigest(location, digest));
        using var blob = await Client.GetAsync($"/v2/{repository}/blobs/{digest}");
        await OciAssert.BlobCreatedAsync(put, repository, digest);
        Assert.Equal(content, await blob.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task StreamedPatch_Twice_AppendsBoth()
    {
        var repository = OciServerFixture.NewRepository();
        var content = OciContent.RandomBytes(20_000);
        var digest = OciContent.Digest(content);
        var location = await Client.StartUploadAsync(repository);

        foreach (var part in new[] { content[..7000], content[7000..] })
        {
            using var body = new StreamContent(new NonSeekableStream(part));
            using var patch = await Client.SendAsync(HttpMethod.Patch, location, body);
            await OciAssert.StatusAsync(HttpStatusCode.Accepted, patch);
            location = OciAssert.Location(patch);
        }

        using var put = await Client.SendAsync(HttpMethod.Put, OciClient.WithDigest(location, digest));
        await OciAssert.BlobCreatedAsync(put, repository, digest);
    }

    [Theory]
    [InlineData("5-14")] // overlaps the first chunk
    [InlineData("0-9")] // resends the first chunk
    [InlineData("11-20")] // leaves a gap
    public async Task Patch_OutOfOrderChunk_416WithCurrentRangeAndUploadUnchanged(string range)
    {
        var repository = OciServerFixture.NewRepository();
        var content = OciContent.RandomBytes(20);
        var location = await Client.StartUploadAsync(repository);
        using var first = await PatchAsync(location, content[..10], "0-9");
        await OciAssert.StatusAsync(HttpStatusCode.Accepted, first);

        using var response = await PatchAsync(location, OciContent.RandomBytes(10), range);

        await OciAssert.ErrorAsync(response, HttpStatusCode.RequestedRangeNotSatisfiable, "BLOB_UPLOAD_INVALID");
        OciAssert.UploadHeaders(response, repository, received: 10);

        // The registry kept the first chunk only: the client can continue from the Range it was given.
        using var next = await PatchAsync(location, content[10..], "10-19");
        await OciAssert.StatusAsync(HttpStatusCode.Accepted, next);
        using var put = await Client.SendAsync(HttpMethod.Put, OciClient.WithDigest(OciAssert.Location(next), OciContent.Digest(content)));
        await OciAssert.BlobCreatedAsync(put, repository, OciContent.Digest(content));
    }

    [Fact]
    public async Task Patch_FirstChunkNotAtZero_416()
    {
        var repository = OciServerFixture.NewRepository();
        var location = await Client.StartUploadAsync(repository);

        using var response = await PatchAsync(location, OciContent.RandomBytes(10), "10-19");

        await OciAssert.ErrorAsync(response, HttpStatusCode.RequestedRangeNotSatisfiable, "BLOB_UPLOAD_INVALID");
        OciAssert.UploadHeaders(response, repository, received: 0);
    }

    [Theory]
    [InlineData("0-4")] // says 5 bytes, sends 10
    [InlineData("0-19")] // says 20 bytes, sends 10
    public async Task Patch_ContentRangeDisagreesWithContentLength_400SizeInvalid(string range)
    {
        var repository = OciServerFixture.NewRepository();
        var location = await Client.StartUploadAsync(repository);

        using var response = await PatchAsync(location, OciContent.RandomBytes(10), range);
        using var status = await Client.GetAsync(location);

        await OciAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "SIZE_INVALID");
        OciAssert.UploadHeaders(status, repository, received: 0);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("10-5")]
    [InlineData("-5")]
    [InlineData("0-")]
    [InlineData("a-b")]
    [InlineData("0-99999999999999999999999")]
    public async Task Patch_MalformedContentRange_400BlobUploadInvalid(string range)
    {
        var repository = OciServerFixture.NewRepository();
        var location = await Client.StartUploadAsync(repository);

        using var response = await PatchAsync(location, OciContent.RandomBytes(10), range);
        using var status = await Client.GetAsync(location);

        await OciAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "BLOB_UPLOAD_INVALID");
        OciAssert.UploadHeaders(status, repository, received: 0);
    }

    [Fact]
    public async Task UploadStatus_AfterChunk_204WithRangeLocationAndUuid()
    {
        var repository = OciServerFixture.NewRepository();
        var location = await Client.StartUploadAsync(repository);
        using var patch = await PatchAsync(location, OciContent.RandomBytes(123), "0-122");

        using var response = await Client.GetAsync(OciAssert.Location(patch));

        await OciAssert.StatusAsync(HttpStatusCode.NoContent, response);
        OciAssert.UploadHeaders(response, repository, received: 123);
    }

    [Fact]
    public async Task CancelUpload_204ThenEveryUploadRequest404BlobUploadUnknown()
    {
        var repository = OciServerFixture.NewRepository();
        var content = OciContent.RandomBytes(10);
        var location = await Client.StartUploadAsync(repository);
        using var patch = await PatchAsync(location, content, "0-9");

        using var cancel = await Client.DeleteAsync(location);
        using var status = await Client.GetAsync(location);
        using var again = await Client.DeleteAsync(location);
        using var more = await PatchAsync(location, content, "10-19");
        using var put = await Client.SendAsync(HttpMethod.Put, OciClient.WithDigest(location, OciContent.Digest(content)));

        await OciAssert.StatusAsync(HttpStatusCode.NoContent, cancel);
        await OciAssert.ErrorAsync(status, HttpStatusCode.NotFound, "BLOB_UPLOAD_UNKNOWN");
        await OciAssert.ErrorAsync(again, HttpStatusCode.NotFound, "BLOB_UPLOAD_UNKNOWN");
        await OciAssert.ErrorAsync(more, HttpStatusCode.NotFound, "BLOB_UPLOAD_UNKNOWN");
        await OciAssert.ErrorAsync(put, HttpStatusCode.NotFound, "BLOB_UPLOAD_UNKNOWN");
    }

    [Fact]
    public async Task Upload_AfterCompletion_404BlobUploadUnknown()
    {
        var repository = OciServerFixture.NewRepository();
        var content = OciContent.RandomBytes(10);
        var location = await Client.StartUploadAsync(repository);
        using var put = await Client.SendAsync(HttpMethod.Put, OciClient.WithDigest(location, OciContent.Digest(content)), OciContent.Octets(content));
        await OciAssert.StatusAsync(HttpStatusCode.Created, put);

        using var status = await Client.GetAsync(location);

        await OciAssert.ErrorAsync(status, HttpStatusCode.NotFound, "BLOB_UPLOAD_UNKNOWN");
    }

    [Theory]
    [InlineData("00000000-0000-0000-0000-000000000000")]
    [InlineData("not-a-uuid")]
    [InlineData("%2E%2E%2F%2E%2E%2Fmetadata.db")]
    public async Task Upload_UnknownId_404BlobUploadUnknown(string id)
    {
        var repository = OciServerFixture.NewRepository();
        await Client.StartUploadAsync(repository);

        using var response = await Client.GetAsync($"/v2/{repository}/blobs/uploads/{id}");

        await OciAssert.ErrorAsync(response, HttpStatusCode.NotFound, "BLOB_UPLOAD_UNKNOWN");
    }

    [Fact]
    public async Task Upload_OfAnotherRepository_404BlobUploadUnknown()
    {
        var one = OciServerFixture.NewRepository();
        var two = OciServerFixture.NewRepository();
        var location = await Client.StartUploadAsync(one);
        await Client.StartUploadAsync(two);

        using var response = await Client.GetAsync(location.Replace(one, two, StringComparison.Ordinal));

        await OciAssert.ErrorAsync(response, HttpStatusCode.NotFound, "BLOB_UPLOAD_UNKNOWN");
    }

    [Fact]
    public async Task Put_DigestDoesNotMatch_400DigestInvalidAndBlobNotStored()
    {
        var repository = OciServerFixture.NewRepository();
        var content = OciContent.RandomBytes(1000);
        var claimed = OciContent.UnknownDigest();
        var location = await Client.StartUploadAsync(repository);

        using var put = await Client.SendAsync(HttpMethod.Put, OciClient.WithDigest(location, claimed), OciContent.Octets(content));
        using var byClaimed = await Client.GetAsync($"/v2/{repository}/blobs/{claimed}");
        using var byActual = await Client.GetAsync($"/v2/{repository}/blobs/{OciContent.Digest(content)}");

        await OciAssert.ErrorAsync(put, HttpStatusCode.BadRequest, "DIGEST_INVALID");
        await OciAssert.ErrorAsync(byClaimed, HttpStatusCode.NotFound, "BLOB_UNKNOWN");
        await OciAssert.ErrorAsync(byActual, HttpStatusCode.NotFound, "BLOB_UNKNOWN");
    }

    [Theory]
    [InlineData("")]
    [InlineData("?digest=")]
    [InlineData("?digest=sha256%3Axyz")]
    [InlineData("?digest=sha256%3AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("?digest=sha1%3Ada39a3ee5e6b4b0d3255bfef95601890afd80709")]
    public async Task Put_MissingOrMalformedDigest_400DigestInvalidAndUploadKept(string query)
    {
        var repository = OciServerFixture.NewRepository();
        var location = await Client.StartUploadAsync(repository);

        using var put = await Client.SendAsync(HttpMethod.Put, location + query, OciContent.Octets(OciContent.RandomBytes(10)));
        using var status = await Client.GetAsync(location);

        await OciAssert.ErrorAsync(put, HttpStatusCode.BadRequest, "DIGEST_INVALID");
        OciAssert.UploadHeaders(status, repository, received: 0);
    }

    [Fact]
    public async Task ResumableUpload_AcrossServerRestart_CompletesByteIdentical()
    {
        await using var server = await Testing.BerthTestServer.StartAsync(
            o => o with { Registry = o.Registry with { CreateOnPush = true } }, cancellationToken: Ct);
        using var client = await OciClient.CreateAsync(server);
        const string repository = "team/resumable";
        var content = OciContent.RandomBytes(300_000);
        var digest = OciContent.Digest(content);
        var location = await client.StartUploadAsync(repository);
        using (var first = await PatchAsync(client, location, content[..100_000], "0-99999"))
        {
            await OciAssert.StatusAsync(HttpStatusCode.Accepted, first);
            location = OciAssert.Location(first);
        }

        var before = server.BaseAddress;
        await server.RestartAsync(Ct);
        Assert.NotEqual(before, server.BaseAddress);

        // The relative Location still names the upload; OciClient resolves it against the new address.
        using var status = await client.GetAsync(location);
        await OciAssert.StatusAsync(HttpStatusCode.NoContent, status);
        OciAssert.UploadHeaders(status, repository, received: 100_000);
        using var second = await PatchAsync(client, OciAssert.Location(status), content[100_000..], "100000-299999");
        await OciAssert.StatusAsync(HttpStatusCode.Accepted, second);
        using var put = await client.SendAsync(HttpMethod.Put, OciClient.WithDigest(OciAssert.Location(second), digest));
        using var blob = await client.GetAsync($"/v2/{repository}/blobs/{digest}");

        await OciAssert.BlobCreatedAsync(put, repository, digest);
        Assert.Equal(content, await blob.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task ResumableUpload_ClientDisconnectsMidChunk_ResumesFromReportedRange()
    {
        var repository = OciServerFixture.NewRepository();
        var content = OciContent.RandomBytes(400_000);
        var digest = OciContent.Digest(content);
        var location = await Client.StartUploadAsync(repository);

        // Raw HTTP: announce the whole blob, send 150 kB of it, and drop the connection.
        using (var tcp = new System.Net.Sockets.TcpClient())
        {
            var url = Client.Url(location);
            await tcp.ConnectAsync(url.Host, url.Port, Ct);
            var stream = tcp.GetStream();
            var head = $"PATCH {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nAuthorization: {Client.Authorization}\r\n" +
                $"Content-Type: application/octet-stream\r\nContent-Range: 0-{content.Length - 1}\r\nContent-Length: {content.Length}\r\n\r\n";
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(head), Ct);
            await stream.WriteAsync(content.AsMemory(0, 150_000), Ct);
            await stream.FlushAsync(Ct);
        }

        // Like a client: ask where the upload stands, send the rest from there; a 416 (the aborted request was still
        // being written) carries the newer Range. Whatever the server kept of the aborted chunk, the Range must say so
        // exactly, or the final digest check fails.
        using var status = await Client.GetAsync(location);
        await OciAssert.StatusAsync(HttpStatusCode.NoContent, status);
        var range = OciAssert.Header(status, "Range");
        HttpResponseMessage? patch = null;
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var next = range == "0-0" ? 0 : int.Parse(range[2..], System.Globalization.CultureInfo.InvariantCulture) + 1;
            Assert.InRange(next, 0, 150_000);
            patch?.Dispose();
            patch = await PatchAsync(location, content[next..], $"{next}-{content.Length - 1}");
            if (patch.StatusCode != HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                break;
            }

            range = OciAssert.Header(patch, "Range");
        }

        await OciAssert.StatusAsync(HttpStatusCode.Accepted, patch!);
        patch!.Dispose();
        using var put = await Client.SendAsync(HttpMethod.Put, OciClient.WithDigest(location, digest));
        using var blob = await Client.GetAsync($"/v2/{repository}/blobs/{digest}");
        await OciAssert.BlobCreatedAsync(put, repository, digest);
        Assert.Equal(content, await blob.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task MonolithicPut_EmptyBlob_201AndReadsBackEmpty()
    {
        var repository = OciServerFixture.NewRepository();
        var digest = OciContent.Digest([]);
        var location = await Client.StartUploadAsync(repository);

        using var put = await Client.SendAsync(HttpMethod.Put, OciClient.WithDigest(location, digest), OciContent.Octets([]));
        using var blob = await Client.GetAsync($"/v2/{repository}/blobs/{digest}");

        await OciAssert.BlobCreatedAsync(put, repository, digest);
        await OciAssert.StatusAsync(HttpStatusCode.OK, blob);
        Assert.Equal(0, blob.Content.Headers.ContentLength);
        Assert.Empty(await blob.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task MonolithicPut_Sha512Digest_201AndReadableBySha512()
    {
        var repository = OciServerFixture.NewRepository();
        var content = OciContent.RandomBytes(5000);
        var digest = "sha512:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA512.HashData(content));
        var location = await Client.StartUploadAsync(repository);

        using var put = await Client.SendAsync(HttpMethod.Put, OciClient.WithDigest(location, digest), OciContent.Octets(content));
        using var blob = await Client.GetAsync($"/v2/{repository}/blobs/{digest}");

        await OciAssert.BlobCreatedAsync(put, repository, digest);
        Assert.Equal(content, await blob.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal(digest, OciAssert.Header(blob, "Docker-Content-Digest"));
    }

    [Fact]
    public async Task Patch_SameChunkTwiceConcurrently_NoServerErrorAndUploadCompletes()
    {
        var repository = OciServerFixture.NewRepository();
        var content = OciContent.RandomBytes(4 * 1024 * 1024);
        var location = await Client.StartUploadAsync(repository);

        // A client that timed out and retried while its first PATCH was still being written.
        var responses = await Task.WhenAll(
            PatchAsync(location, content, $"0-{content.Length - 1}"), PatchAsync(location, content, $"0-{content.Length - 1}"));
        using var status = await Client.GetAsync(location);
        using var put = await Client.SendAsync(HttpMethod.Put, OciClient.WithDigest(location, OciContent.Digest(content)));
        using var blob = await Client.GetAsync($"/v2/{repository}/blobs/{OciContent.Digest(content)}");

        // Whichever came second finds (part of) the chunk already there: 416 with the Range received so far.
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Accepted);
        var refused = Assert.Single(responses, r => r.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable);
        Assert.Matches("^0-[0-9]+$", OciAssert.Header(refused, "Range"));
        Assert.Equal(location, OciAssert.Location(refused));
        OciAssert.UploadHeaders(status, repository, received: content.Length);
        await OciAssert.BlobCreatedAsync(put, repository, OciContent.Digest(content));
        Assert.Equal(content, await blob.Content.ReadAsByteArrayAsync(Ct));
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    private Task<HttpResponseMessage> PatchAsync(string location, byte[] chunk, string range) => PatchAsync(Client, location, chunk, range);

    private static Task<HttpResponseMessage> PatchAsync(OciClient client, string location, byte[] chunk, string range) =>
        client.SendAsync(HttpMethod.Patch, location, OciContent.Octets(chunk), r => r.Content!.Headers.TryAddWithoutValidation("Content-Range", range));

    // Uploads in progress on disk; tests of a class run one at a time, so a test can compare before and after.
    private string[] UploadFiles() => [.. Directory.GetFiles(Path.Combine(fixture.Server.DataDirectory, "storage", "uploads")).Order(StringComparer.Ordinal)];
}
