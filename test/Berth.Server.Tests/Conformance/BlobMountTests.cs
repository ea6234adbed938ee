using System.Net;

namespace Berth.Server.Tests.Conformance;

/// <summary>end-11: cross-repository mount, 201 when mounted and a 202 upload session when not.</summary>
public sealed class BlobMountTests(OciServerFixture fixture) : IClassFixture<OciServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private OciClient Client => fixture.Client;

    [Fact]
    public async Task Mount_BlobInSourceRepository_201WithLocationAndDigest_BlobReadable()
    {
        var source = OciServerFixture.NewRepository();
        var target = OciServerFixture.NewRepository();
        var content = OciContent.RandomBytes(777);
        var blob = await Client.PushBlobAsync(source, content);

        using var response = await Client.SendAsync(
            HttpMethod.Post, $"/v2/{target}/blobs/uploads/?mount={Uri.EscapeDataString(blob.Digest)}&from={Uri.EscapeDataString(source)}", OciContent.Octets([]));
        using var mounted = await Client.GetAsync($"/v2/{target}/blobs/{blob.Digest}");

        await OciAssert.BlobCreatedAsync(response, target, blob.Digest);
        await OciAssert.StatusAsync(HttpStatusCode.OK, mounted);
        Assert.Equal(content, await mounted.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task Mount_Mounted_UsableByManifest()
    {
        var source = OciServerFixture.NewRepository();
        var target = OciServerFixture.NewRepository();
        var image = await Client.PushImageAsync(source, "v1");
        foreach (var blob in new[] { image.Config, image.Layer })
        {
            using var mount = await Client.SendAsync(HttpMethod.Post, $"/v2/{target}/blobs/uploads/?mount={blob.Digest}&from={source}", OciContent.Octets([]));
            await OciAssert.StatusAsync(HttpStatusCode.Created, mount);
        }

        using var response = await Client.PutManifestAsync(target, "v1", image.Content, OciContent.OciManifest);

        await OciAssert.StatusAsync(HttpStatusCode.Created, response);
    }

    public static TheoryData<string> Unmountable => new()
    {
        "unknown digest in the source",
        "source repository does not exist",
        "from is missing",
        "from is not a repository name",
        "mount is not a digest",
    };

    [Theory]
    [MemberData(nameof(Unmountable))]
    public async Task Mount_NotMountable_202UploadSessionInstead(string why)
    {
        var source = OciServerFixture.NewRepository();
        var target = OciServerFixture.NewRepository();
        var blob = await Client.PushBlobAsync(source, OciContent.RandomBytes(64));
        var query = why switch
        {
            "unknown digest in the source" => $"mount={OciContent.UnknownDigest()}&from={source}",
            "source repository does not exist" => $"mount={blob.Digest}&from=no/such-repository",
            "from is missing" => $"mount={blob.Digest}",
            "from is not a repository name" => $"mount={blob.Digest}&from=..%2F..%2FUPPER",
            _ => $"mount=sha256:nothex&from={source}",
        };

        using var response = await Client.SendAsync(HttpMethod.Post, $"/v2/{target}/blobs/uploads/?{query}", OciContent.Octets([]));

        await OciAssert.StatusAsync(HttpStatusCode.Accepted, response);
        var location = OciAssert.UploadHeaders(response, target, received: 0);

        // podman cancels the session it did not want and expects 204.
        using var cancel = await Client.DeleteAsync(location);
        await OciAssert.StatusAsync(HttpStatusCode.NoContent, cancel);
        using var notMounted = await Client.HeadAsync($"/v2/{target}/blobs/{blob.Digest}");
        Assert.Equal(HttpStatusCode.NotFound, notMounted.StatusCode);
    }

    [Fact]
    public async Task Mount_FallbackSession_AcceptsTheUpload()
    {
        var target = OciServerFixture.NewRepository();
        var content = OciContent.RandomBytes(64);
        var digest = OciContent.Digest(content);

        using var response = await Client.SendAsync(HttpMethod.Post, $"/v2/{target}/blobs/uploads/?mount={digest}&from=no/such-repository", OciContent.Octets([]));
        await OciAssert.StatusAsync(HttpStatusCode.Accepted, response);
        using var put = await Client.SendAsync(HttpMethod.Put, OciClient.WithDigest(OciAssert.Location(response), digest), OciContent.Octets(content));

        await OciAssert.BlobCreatedAsync(put, target, digest);
    }

    [Fact]
    public async Task Mount_CallerWithoutPermissions_403DeniedAndNothingMounted()
    {
        var source = OciServerFixture.NewRepository();
        var target = OciServerFixture.NewRepository();
        var blob = await Client.PushBlobAsync(source, OciContent.RandomBytes(64));
        using var unprivileged = await OciClient.CreateUnprivilegedAsync(fixture.Server);

        using var response = await unprivileged.SendAsync(HttpMethod.Post, $"/v2/{target}/blobs/uploads/?mount={blob.Digest}&from={source}", OciContent.Octets([]));

        // The admin-only policy cannot say "may push here but not read there", so this caller may do neither:
        // DENIED comes before any mount is considered.
        await OciAssert.ErrorAsync(response, HttpStatusCode.Forbidden, "DENIED");
        using var notMounted = await Client.HeadAsync($"/v2/{target}/blobs/{blob.Digest}");
        Assert.Equal(HttpStatusCode.NotFound, notMounted.StatusCode);
    }
}
