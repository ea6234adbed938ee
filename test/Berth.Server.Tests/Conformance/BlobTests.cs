using System.Net;
using System.Net.Http.Headers;

namespace Berth.Server.Tests.Conformance;

/// <summary>end-2 (GET/HEAD blob) and end-10 (DELETE blob).</summary>
public sealed class BlobTests(OciServerFixture fixture) : IClassFixture<OciServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private OciClient Client => fixture.Client;

    [Fact]
    public async Task GetBlob_Pushed_200WithBytesLengthDigestAndAcceptRanges()
    {
        var repository = OciServerFixture.NewRepository();
        var content = OciContent.RandomBytes(3000);
        var blob = await Client.PushBlobAsync(repository, content);

        using var response = await Client.GetAsync($"/v2/{repository}/blobs/{blob.Digest}");

        await OciAssert.StatusAsync(HttpStatusCode.OK, response);
        Assert.Equal(content, await response.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal(3000, response.Content.Headers.ContentLength);
        Assert.Equal(blob.Digest, OciAssert.Header(response, "Docker-Content-Digest"));
        Assert.Equal("bytes", OciAssert.Header(response, "Accept-Ranges"));
    }

    [Fact]
    public async Task HeadBlob_Pushed_200WithLengthAndDigestNoBody()
    {
        var repository = OciServerFixture.NewRepository();
        var blob = await Client.PushBlobAsync(repository, OciContent.RandomBytes(1234));

        using var response = await Client.HeadAsync($"/v2/{repository}/blobs/{blob.Digest}");

        await OciAssert.StatusAsync(HttpStatusCode.OK, response);
        Assert.Equal(1234, response.Content.Headers.ContentLength);
        Assert.Equal(blob.Digest, OciAssert.Header(response, "Docker-Content-Digest"));
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task GetBlob_Range_206WithContentRangeAndThoseBytes()
    {
        var repository = OciServerFixture.NewRepository();
        var content = OciContent.RandomBytes(1000);
        var blob = await Client.PushBlobAsync(repository, content);

        using var response = await Client.GetAsync(
            $"/v2/{repository}/blobs/{blob.Digest}", r => r.Headers.Range = new RangeHeaderValue(100, 199));

        await OciAssert.StatusAsync(HttpStatusCode.PartialContent, response);
        Assert.Equal("bytes 100-199/1000", response.Content.Headers.ContentRange?.ToString());
        Assert.Equal(100, response.Content.Headers.ContentLength);
        Assert.Equal(content[100..200], await response.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task GetBlob_RangeFromOffsetToEnd_206RestOfBlob()
    {
        var repository = OciServerFixture.NewRepository();
        var content = OciContent.RandomBytes(1000);
        var blob = await Client.PushBlobAsync(repository, content);

        using var response = await Client.GetAsync(
            $"/v2/{repository}/blobs/{blob.Digest}", r => r.Headers.Range = new RangeHeaderValue(900, null));

        await OciAssert.StatusAsync(HttpStatusCode.PartialContent, response);
        Assert.Equal("bytes 900-999/1000", response.Content.Headers.ContentRange?.ToString());
        Assert.Equal(content[900..], await response.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task GetBlob_RangeBeyondEnd_416WithSize()
    {
        var repository = OciServerFixture.NewRepository();
        var blob = await Client.PushBlobAsync(repository, OciContent.RandomBytes(10));

        using var response = await Client.GetAsync(
            $"/v2/{repository}/blobs/{blob.Digest}", r => r.Headers.Range = new RangeHeaderValue(50, 60));

        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
        Assert.Equal("bytes */10", response.Content.Headers.ContentRange?.ToString());
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("HEAD")]
    public async Task Blob_Unknown_404BlobUnknown(string method)
    {
        var repository = OciServerFixture.NewRepository();
        await Client.PushBlobAsync(repository, OciContent.RandomBytes(10));

        using var response = await Client.SendAsync(new HttpMethod(method), $"/v2/{repository}/blobs/{OciContent.UnknownDigest()}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        if (method == "GET")
        {
            await OciAssert.ErrorAsync(response, HttpStatusCode.NotFound, "BLOB_UNKNOWN");
        }
    }

    [Fact]
    public async Task GetBlob_PushedToAnotherRepository_404BlobUnknown()
    {
        var one = OciServerFixture.NewRepository();
        var two = OciServerFixture.NewRepository();
        var blob = await Client.PushBlobAsync(one, OciContent.RandomBytes(10));
        await Client.PushBlobAsync(two, OciContent.RandomBytes(10));

        using var response = await Client.GetAsync($"/v2/{two}/blobs/{blob.Digest}");

        await OciAssert.ErrorAsync(response, HttpStatusCode.NotFound, "BLOB_UNKNOWN");
    }

    [Fact]
    public async Task DeleteBlob_Pushed_202ThenGone()
    {
        var repository = OciServerFixture.NewRepository();
        var blob = await Client.PushBlobAsync(repository, OciContent.RandomBytes(10));

        using var deleted = await Client.DeleteAsync($"/v2/{repository}/blobs/{blob.Digest}");
        using var after = await Client.GetAsync($"/v2/{repository}/blobs/{blob.Digest}");
        using var again = await Client.DeleteAsync($"/v2/{repository}/blobs/{blob.Digest}");

        await OciAssert.StatusAsync(HttpStatusCode.Accepted, deleted);
        await OciAssert.ErrorAsync(after, HttpStatusCode.NotFound, "BLOB_UNKNOWN");
        await OciAssert.ErrorAsync(again, HttpStatusCode.NotFound, "BLOB_UNKNOWN");
    }

    [Fact]
    public async Task DeleteBlob_InOneRepository_OtherRepositoryStillServesIt()
    {
        var one = OciServerFixture.NewRepository();
        var two = OciServerFixture.NewRepository();
        var content = OciContent.RandomBytes(10);
        var blob = await Client.PushBlobAsync(one, content);
        await Client.PushBlobAsync(two, content);

        using var deleted = await Client.DeleteAsync($"/v2/{one}/blobs/{blob.Digest}");
        using var other = await Client.GetAsync($"/v2/{two}/blobs/{blob.Digest}");

        await OciAssert.StatusAsync(HttpStatusCode.Accepted, deleted);
        await OciAssert.StatusAsync(HttpStatusCode.OK, other);
        Assert.Equal(content, await other.Content.ReadAsByteArrayAsync(Ct));
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("DELETE")]
    public async Task Blob_MalformedDigest_400DigestInvalid(string method)
    {
        var repository = OciServerFixture.NewRepository();
        await Client.PushBlobAsync(repository, OciContent.RandomBytes(10));

        using var response = await Client.SendAsync(new HttpMethod(method), $"/v2/{repository}/blobs/sha256:1234");

        await OciAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "DIGEST_INVALID");
    }
}
