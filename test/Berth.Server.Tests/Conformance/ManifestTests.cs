using System.Net;
using System.Text;

namespace Berth.Server.Tests.Conformance;

/// <summary>end-3 (GET/HEAD), end-7 (PUT) and end-9 (DELETE) of manifests, by tag and by digest, in all four stored formats.</summary>
public sealed class ManifestTests(OciServerFixture fixture) : IClassFixture<OciServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private OciClient Client => fixture.Client;

    [Fact]
    public async Task PutManifest_OciImage_201WithLocationAndDigest()
    {
        var repository = OciServerFixture.NewRepository();
        var config = await Client.PushBlobAsync(repository, OciContent.RandomConfig(), OciContent.ConfigMediaType);
        var layer = await Client.PushBlobAsync(repository, OciContent.RandomBytes(100));
        var manifest = OciContent.ImageManifest(config, [layer]);
        var digest = OciContent.Digest(manifest);

        using var response = await Client.PutManifestAsync(repository, "v1", manifest, OciContent.OciManifest);

        await OciAssert.StatusAsync(HttpStatusCode.Created, response);
        Assert.Equal($"/v2/{repository}/manifests/{digest}", OciAssert.Location(response));
        Assert.Equal(digest, OciAssert.Header(response, "Docker-Content-Digest"));
        Assert.False(response.Headers.Contains("OCI-Subject"));
    }

    public static TheoryData<string> Formats => [OciContent.OciManifest, OciContent.DockerManifest, OciContent.OciIndex, OciContent.DockerManifestList];

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task GetManifest_ByTagAndByDigest_ByteForByteWithTypeAndDigest(string mediaType)
    {
        var repository = OciServerFixture.NewRepository();
        var manifest = await PushFormatAsync(repository, mediaType);
        var digest = OciContent.Digest(manifest);
        using var put = await Client.PutManifestAsync(repository, "v1", manifest, mediaType);
        await OciAssert.StatusAsync(HttpStatusCode.Created, put);

        foreach (var reference in new[] { "v1", digest })
        {
            using var response = await Client.GetAsync($"/v2/{repository}/manifests/{reference}", r => r.Headers.Accept.ParseAdd(mediaType));

            await OciAssert.StatusAsync(HttpStatusCode.OK, response);
            Assert.Equal(manifest, await response.Content.ReadAsByteArrayAsync(Ct));
            Assert.Equal(mediaType, response.Content.Headers.ContentType?.ToString());
            Assert.Equal(digest, OciAssert.Header(response, "Docker-Content-Digest"));
            Assert.Equal(manifest.Length, response.Content.Headers.ContentLength);
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task HeadManifest_200WithTypeLengthDigestNoBody(string mediaType)
    {
        var repository = OciServerFixture.NewRepository();
        var manifest = await PushFormatAsync(repository, mediaType);
        using var put = await Client.PutManifestAsync(repository, "v1", manifest, mediaType);
        await OciAssert.StatusAsync(HttpStatusCode.Created, put);

        using var response = await Client.HeadAsync($"/v2/{repository}/manifests/v1");

        await OciAssert.StatusAsync(HttpStatusCode.OK, response);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.ToString());
        Assert.Equal(manifest.Length, response.Content.Headers.ContentLength);
        Assert.Equal(OciContent.Digest(manifest), OciAssert.Header(response, "Docker-Content-Digest"));
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task PutManifest_ByDigest_201AndUntagged()
    {
        var repository = OciServerFixture.NewRepository();
        var image = await Client.PushImageAsync(repository, "v1");
        var config = await Client.PushBlobAsync(repository, OciContent.RandomConfig(), OciContent.ConfigMediaType);
        var manifest = OciContent.ImageManifest(config, [image.Layer]);
        var digest = OciContent.Digest(manifest);

        using var response = await Client.PutManifestAsync(repository, digest, manifest, OciContent.OciManifest);
        using var get = await Client.GetAsync($"/v2/{repository}/manifests/{digest}");
        using var tags = await Client.GetAsync($"/v2/{repository}/tags/list");

        await OciAssert.StatusAsync(HttpStatusCode.Created, response);
        Assert.Equal(digest, OciAssert.Header(response, "Docker-Content-Digest"));
        Assert.Equal(manifest, await get.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal($$"""{"name":"{{repository}}","tags":["v1"]}""", await tags.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task PutManifest_ContentTypeWithParameters_ParametersIgnored()
    {
        var repository = OciServerFixture.NewRepository();
        var image = await Client.PushImageAsync(repository, "v1");
        var manifest = OciContent.ImageManifest(image.Config, [image.Layer], annotations: new Dictionary<string, string> { ["p"] = "1" });
        using var body = new ByteArrayContent(manifest);
        body.Headers.TryAddWithoutValidation("Content-Type", OciContent.OciManifest + "; charset=utf-8");

        using var put = await Client.SendAsync(HttpMethod.Put, $"/v2/{repository}/manifests/v2", body);
        using var get = await Client.GetAsync($"/v2/{repository}/manifests/v2");

        await OciAssert.StatusAsync(HttpStatusCode.Created, put);
        Assert.Equal(OciContent.OciManifest, get.Content.Headers.ContentType?.ToString());
    }

    [Fact]
    public async Task PutManifest_BySha512Digest_201AndServedUnderIt()
    {
        var repository = OciServerFixture.NewRepository();
        var image = await Client.PushImageAsync(repository, "v1");
        var manifest = OciContent.ImageManifest(image.Config, [image.Layer], annotations: new Dictionary<string, string> { ["sha"] = "512" });
        var digest = "sha512:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA512.HashData(manifest));

        using var put = await Client.PutManifestAsync(repository, digest, manifest, OciContent.OciManifest);
        using var get = await Client.GetAsync($"/v2/{repository}/manifests/{digest}");

        await OciAssert.StatusAsync(HttpStatusCode.Created, put);
        Assert.Equal(digest, OciAssert.Header(put, "Docker-Content-Digest"));
        Assert.Equal($"/v2/{repository}/manifests/{digest}", OciAssert.Location(put));
        Assert.Equal(manifest, await get.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal(digest, OciAssert.Header(get, "Docker-Content-Digest"));
    }

    [Fact]
    public async Task PutManifest_ByDigestThatDoesNotMatch_400DigestInvalidAndNothingStored()
    {
        var repository = OciServerFixture.NewRepository();
        var image = await Client.PushImageAsync(repository, "v1");
        var other = OciContent.ImageManifest(image.Config, [image.Layer], annotations: new Dictionary<string, string> { ["x"] = "y" });
        var claimed = OciContent.UnknownDigest();

        using var response = await Client.PutManifestAsync(repository, claimed, other, OciContent.OciManifest);
        using var byClaimed = await Client.GetAsync($"/v2/{repository}/manifests/{claimed}");
        using var byActual = await Client.GetAsync($"/v2/{repository}/manifests/{OciContent.Digest(other)}");

        await OciAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "DIGEST_INVALID");
        await OciAssert.ErrorAsync(byClaimed, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
        await OciAssert.ErrorAsync(byActual, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
    }

    [Fact]
    public async Task PutManifest_Retag_TagMovesToNewManifest()
    {
        var repository = OciServerFixture.NewRepository();
        var first = await Client.PushImageAsync(repository, "latest");
        var second = await Client.PushImageAsync(repository, "latest");

        using var response = await Client.GetAsync($"/v2/{repository}/manifests/latest");
        using var old = await Client.GetAsync($"/v2/{repository}/manifests/{first.Digest}");

        Assert.Equal(second.Content, await response.Content.ReadAsByteArrayAsync(Ct));
        await OciAssert.StatusAsync(HttpStatusCode.OK, old);
    }

    [Fact]
    public async Task PutManifest_LayerNotInRepository_400ManifestBlobUnknown()
    {
        var repository = OciServerFixture.NewRepository();
        var config = await Client.PushBlobAsync(repository, OciContent.RandomConfig(), OciContent.ConfigMediaType);
        var missing = new OciDescriptor(OciContent.LayerMediaType, OciContent.UnknownDigest(), 10);

        using var response = await Client.PutManifestAsync(repository, "v1", OciContent.ImageManifest(config, [missing]), OciContent.OciManifest);
        using var get = await Client.GetAsync($"/v2/{repository}/manifests/v1");

        await OciAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "MANIFEST_BLOB_UNKNOWN");
        await OciAssert.ErrorAsync(get, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
    }

    [Fact]
    public async Task PutManifest_ConfigOnlyInAnotherRepository_400ManifestBlobUnknown()
    {
        var repository = OciServerFixture.NewRepository();
        var elsewhere = await Client.PushImageAsync(OciServerFixture.NewRepository(), "v1");
        var layer = await Client.PushBlobAsync(repository, OciContent.RandomBytes(10));

        using var response = await Client.PutManifestAsync(repository, "v1", OciContent.ImageManifest(elsewhere.Config, [layer]), OciContent.OciManifest);

        await OciAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "MANIFEST_BLOB_UNKNOWN");
    }

    [Theory]
    [InlineData(OciContent.OciIndex)]
    [InlineData(OciContent.DockerManifestList)]
    public async Task PutIndex_ChildManifestMissing_400ManifestBlobUnknown(string mediaType)
    {
        var repository = OciServerFixture.NewRepository();
        var image = await Client.PushImageAsync(repository, "v1");
        var missing = new OciDescriptor(OciContent.OciManifest, OciContent.UnknownDigest(), 300);

        using var response = await Client.PutManifestAsync(repository, "multi", OciContent.Index([image.Descriptor, missing], mediaType), mediaType);

        await OciAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "MANIFEST_BLOB_UNKNOWN");
    }

    [Fact]
    public async Task PutIndex_ChildIsABlobNotAManifest_400ManifestBlobUnknown()
    {
        var repository = OciServerFixture.NewRepository();
        var image = await Client.PushImageAsync(repository, "v1");

        using var response = await Client.PutManifestAsync(repository, "multi", OciContent.Index([image.Layer with { MediaType = OciContent.OciManifest }]), OciContent.OciIndex);

        await OciAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "MANIFEST_BLOB_UNKNOWN");
    }

    [Fact]
    public async Task PutManifest_LayerSizeWrong_400ManifestInvalid()
    {
        var repository = OciServerFixture.NewRepository();
        var image = await Client.PushImageAsync(repository, "v1");

        using var response = await Client.PutManifestAsync(
            repository, "v2", OciContent.ImageManifest(image.Config, [image.Layer with { Size = image.Layer.Size + 1 }]), OciContent.OciManifest);

        await OciAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "MANIFEST_INVALID");
    }

    [Fact]
    public async Task PutManifest_FourMiB_Accepted()
    {
        var repository = OciServerFixture.NewRepository();
        var image = await Client.PushImageAsync(repository, "v1");
        var manifest = Padded(image, 4 * 1024 * 1024);

        using var response = await Client.PutManifestAsync(repository, "big", manifest, OciContent.OciManifest);
        using var get = await Client.GetAsync($"/v2/{repository}/manifests/big");

        await OciAssert.StatusAsync(HttpStatusCode.Created, response);
        Assert.Equal(manifest, await get.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task PutManifest_OverFourMiB_413()
    {
        var repository = OciServerFixture.NewRepository();
        var image = await Client.PushImageAsync(repository, "v1");

        using var response = await Client.PutManifestAsync(repository, "huge", Padded(image, (4 * 1024 * 1024) + 1), OciContent.OciManifest);
        using var get = await Client.GetAsync($"/v2/{repository}/manifests/huge");

        await OciAssert.ErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "MANIFEST_INVALID");
        await OciAssert.ErrorAsync(get, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
    }

    [Fact]
    public async Task PutManifest_OverFourMiBStreamedWithoutLength_413()
    {
        var repository = OciServerFixture.NewRepository();
        var image = await Client.PushImageAsync(repository, "v1");
        using var body = new StreamContent(new NonSeekableStream(Padded(image, (5 * 1024 * 1024) + 1)));
        body.Headers.ContentType = new(OciContent.OciManifest);

        using var response = await Client.SendAsync(HttpMethod.Put, $"/v2/{repository}/manifests/huge", body);

        await OciAssert.ErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "MANIFEST_INVALID");
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("\"manifest\"")]
    [InlineData("""{"schemaVersion":"2"}""")]
    [InlineData("""{"schemaVersion":3,"mediaType":"application/vnd.oci.image.manifest.v1+json"}""")]
    [InlineData("""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}""")]
    [InlineData("""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"digest":"sha256:zz","size":1},"layers":[]}""")]
    [InlineData("""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"size":1},"layers":[]}""")]
    [InlineData("""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"size":1}]}""")]
    [InlineData("""{"schemaVersion":2,"mediaType":"application/vnd.example.unknown+json"}""")]
    [InlineData("""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"digest":5}}""")]
    public async Task PutManifest_Invalid_400ManifestInvalid(string body)
    {
        var repository = OciServerFixture.NewRepository();
        await Client.PushImageAsync(repository, "v1");

        using var response = await Client.PutManifestAsync(repository, "bad", Encoding.UTF8.GetBytes(body), OciContent.OciManifest);

        await OciAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "MANIFEST_INVALID");
    }

    [Fact]
    public async Task PutManifest_DeeplyNestedJson_400ManifestInvalid()
    {
        var repository = OciServerFixture.NewRepository();
        await Client.PushImageAsync(repository, "v1");
        var body = """{"schemaVersion":2,"unknown":""" + new string('[', 10_000) + new string(']', 10_000) + "}";

        using var response = await Client.PutManifestAsync(repository, "bad", Encoding.UTF8.GetBytes(body), OciContent.OciManifest);

        await OciAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "MANIFEST_INVALID");
    }

    [Fact]
    public async Task PutManifest_MediaTypeContradictsContentType_400ManifestInvalid()
    {
        var repository = OciServerFixture.NewRepository();
        var image = await Client.PushImageAsync(repository, "v1");

        using var response = await Client.PutManifestAsync(repository, "v2", image.Content, OciContent.DockerManifest);

        await OciAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "MANIFEST_INVALID");
    }

    [Theory]
    [InlineData(OciContent.DockerSchema1Signed)]
    [InlineData("application/vnd.docker.distribution.manifest.v1+json")]
    public async Task PutManifest_DockerSchema1_Unsupported(string mediaType)
    {
        var repository = OciServerFixture.NewRepository();
        await Client.PushImageAsync(repository, "v1");
        var schema1 = $$"""
            {
               "schemaVersion": 1,
               "name": "{{repository}}",
               "tag": "old",
               "architecture": "amd64",
               "fsLayers": [{"blobSum": "{{OciContent.UnknownDigest()}}"}],
               "history": [{"v1Compatibility": "{\"id\":\"1\"}"}]
            }
            """;

        using var response = await Client.PutManifestAsync(repository, "old", Encoding.UTF8.GetBytes(schema1), mediaType);
        using var get = await Client.GetAsync($"/v2/{repository}/manifests/old");

        await OciAssert.ErrorAsync(response, HttpStatusCode.MethodNotAllowed, "UNSUPPORTED");
        await OciAssert.ErrorAsync(get, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("HEAD")]
    [InlineData("DELETE")]
    public async Task Manifest_UnknownTagOrDigest_404ManifestUnknown(string method)
    {
        var repository = OciServerFixture.NewRepository();
        await Client.PushImageAsync(repository, "v1");

        foreach (var reference in new[] { "nope", OciContent.UnknownDigest() })
        {
            using var response = await Client.SendAsync(new HttpMethod(method), $"/v2/{repository}/manifests/{reference}");

            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            if (method != "HEAD")
            {
                await OciAssert.ErrorAsync(response, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
            }
        }
    }

    [Fact]
    public async Task GetManifest_PushedToAnotherRepository_404ManifestUnknown()
    {
        var one = OciServerFixture.NewRepository();
        var two = OciServerFixture.NewRepository();
        var image = await Client.PushImageAsync(one, "v1");
        await Client.PushImageAsync(two, "v2");

        using var byDigest = await Client.GetAsync($"/v2/{two}/manifests/{image.Digest}");
        using var byTag = await Client.GetAsync($"/v2/{two}/manifests/v1");

        await OciAssert.ErrorAsync(byDigest, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
        await OciAssert.ErrorAsync(byTag, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
    }

    [Fact]
    public async Task DeleteTag_202RemovesOnlyTheTag()
    {
        var repository = OciServerFixture.NewRepository();
        var image = await Client.PushImageAsync(repository, "v1");
        using (var alias = await Client.PutManifestAsync(repository, "stable", image.Content, OciContent.OciManifest))
        {
            await OciAssert.StatusAsync(HttpStatusCode.Created, alias);
        }

        using var deleted = await Client.DeleteAsync($"/v2/{repository}/manifests/v1");
        using var byTag = await Client.GetAsync($"/v2/{repository}/manifests/v1");
        using var byOtherTag = await Client.GetAsync($"/v2/{repository}/manifests/stable");
        using var byDigest = await Client.GetAsync($"/v2/{repository}/manifests/{image.Digest}");
        using var tags = await Client.GetAsync($"/v2/{repository}/tags/list");

        await OciAssert.StatusAsync(HttpStatusCode.Accepted, deleted);
        await OciAssert.ErrorAsync(byTag, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
        await OciAssert.StatusAsync(HttpStatusCode.OK, byOtherTag);
        await OciAssert.StatusAsync(HttpStatusCode.OK, byDigest);
        Assert.Equal(image.Content, await byDigest.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal($$"""{"name":"{{repository}}","tags":["stable"]}""", await tags.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task DeleteByDigest_202RemovesManifestAndAllItsTags()
    {
        var repository = OciServerFixture.NewRepository();
        var image = await Client.PushImageAsync(repository, "v1");
        var other = await Client.PushImageAsync(repository, "other");
        using (var alias = await Client.PutManifestAsync(repository, "stable", image.Content, OciContent.OciManifest))
        {
            await OciAssert.StatusAsync(HttpStatusCode.Created, alias);
        }

        using var deleted = await Client.DeleteAsync($"/v2/{repository}/manifests/{image.Digest}");
        using var byDigest = await Client.GetAsync($"/v2/{repository}/manifests/{image.Digest}");
        using var byTag = await Client.GetAsync($"/v2/{repository}/manifests/v1");
        using var byOtherTag = await Client.GetAsync($"/v2/{repository}/manifests/stable");
        using var unrelated = await Client.GetAsync($"/v2/{repository}/manifests/other");
        using var tags = await Client.GetAsync($"/v2/{repository}/tags/list");

        await OciAssert.StatusAsync(HttpStatusCode.Accepted, deleted);
        await OciAssert.ErrorAsync(byDigest, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
        await OciAssert.ErrorAsync(byTag, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
        await OciAssert.ErrorAsync(byOtherTag, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
        Assert.Equal(other.Content, await unrelated.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal($$"""{"name":"{{repository}}","tags":["other"]}""", await tags.Content.ReadAsStringAsync(Ct));
    }

    [Theory]
    [InlineData("sha256:short")]
    [InlineData("sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("md5:d41d8cd98f00b204e9800998ecf8427e")]
    public async Task Manifest_MalformedDigestReference_400DigestInvalid(string reference)
    {
        var repository = OciServerFixture.NewRepository();
        var image = await Client.PushImageAsync(repository, "v1");

        using var get = await Client.GetAsync($"/v2/{repository}/manifests/{reference}");
        using var put = await Client.PutManifestAsync(repository, reference, image.Content, OciContent.OciManifest);
        using var delete = await Client.DeleteAsync($"/v2/{repository}/manifests/{reference}");

        await OciAssert.ErrorAsync(get, HttpStatusCode.BadRequest, "DIGEST_INVALID");
        await OciAssert.ErrorAsync(put, HttpStatusCode.BadRequest, "DIGEST_INVALID");
        await OciAssert.ErrorAsync(delete, HttpStatusCode.BadRequest, "DIGEST_INVALID");
    }

    [Theory]
    [InlineData("-leading-dash")]
    [InlineData(".leading-dot")]
    [InlineData("has%20space")]
    [InlineData("tag+plus")]
    public async Task PutManifest_InvalidTag_400TagInvalid(string tag)
    {
        var repository = OciServerFixture.NewRepository();
        var image = await Client.PushImageAsync(repository, "v1");

        using var put = await Client.PutManifestAsync(repository, tag, image.Content, OciContent.OciManifest);

        await OciAssert.ErrorAsync(put, HttpStatusCode.BadRequest, "TAG_INVALID");
    }

    [Fact]
    public async Task PutManifest_TagOf128Characters_Accepted()
    {
        var repository = OciServerFixture.NewRepository();
        var image = await Client.PushImageAsync(repository, "v1");
        var tag = "t" + new string('a', 127);

        using var put = await Client.PutManifestAsync(repository, tag, image.Content, OciContent.OciManifest);
        using var tooLong = await Client.PutManifestAsync(repository, tag + "a", image.Content, OciContent.OciManifest);

        await OciAssert.StatusAsync(HttpStatusCode.Created, put);
        await OciAssert.ErrorAsync(tooLong, HttpStatusCode.BadRequest, "TAG_INVALID");
    }

    // Pushes what a manifest of the given format references and returns the manifest (not yet pushed).
    private async Task<byte[]> PushFormatAsync(string repository, string mediaType)
    {
        switch (mediaType)
        {
            case OciContent.OciManifest:
                return await ImageAsync(repository, OciContent.OciManifest, OciContent.ConfigMediaType, OciContent.LayerMediaType);
            case OciContent.DockerManifest:
                return await ImageAsync(repository, OciContent.DockerManifest, OciContent.DockerConfigMediaType, OciContent.DockerLayerMediaType);
            default:
                var childType = mediaType == OciContent.OciIndex ? OciContent.OciManifest : OciContent.DockerManifest;
                var children = new List<OciDescriptor>();
                for (var i = 0; i < 2; i++)
                {
                    var child = await PushFormatAsync(repository, childType);
                    var digest = OciContent.Digest(child);
                    using var put = await Client.PutManifestAsync(repository, digest, child, childType);
                    await OciAssert.StatusAsync(HttpStatusCode.Created, put);
                    children.Add(new OciDescriptor(childType, digest, child.Length));
                }

                return OciContent.Index(children, mediaType);
        }
    }

    private async Task<byte[]> ImageAsync(string repository, string mediaType, string configType, string layerType)
    {
        var config = await Client.PushBlobAsync(repository, OciContent.RandomConfig(), configType);
        var layer = await Client.PushBlobAsync(repository, OciContent.RandomBytes(200), layerType);
        return OciContent.ImageManifest(config, [layer], mediaType);
    }

    // The image's manifest with an annotation that pads it to exactly `size` bytes.
    private static byte[] Padded(PushedManifest image, int size)
    {
        var probe = OciContent.ImageManifest(image.Config, [image.Layer], annotations: new Dictionary<string, string> { ["pad"] = "" });
        var padding = new string('p', size - probe.Length);
        var manifest = OciContent.ImageManifest(image.Config, [image.Layer], annotations: new Dictionary<string, string> { ["pad"] = padding });
        Assert.Equal(size, manifest.Length);
        return manifest;
    }
}
