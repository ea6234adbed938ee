using System.Net;
using System.Text.Json;

namespace Berth.Server.Tests.Conformance;

/// <summary>end-12: the referrers API, <c>OCI-Subject</c> on push, and the <c>artifactType</c> filter.</summary>
public sealed class ReferrersTests(OciServerFixture fixture) : IClassFixture<OciServerFixture>
{
    private const string Sbom = "application/vnd.example.sbom.v1";
    private const string Signature = "application/vnd.example.signature.v1";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private OciClient Client => fixture.Client;

    [Fact]
    public async Task PutManifest_WithSubject_201WithOciSubjectHeader()
    {
        var repository = OciServerFixture.NewRepository();
        var image = await Client.PushImageAsync(repository, "v1");
        var artifact = await ArtifactAsync(repository, image.Descriptor, Sbom);

        using var response = await Client.PutManifestAsync(repository, OciContent.Digest(artifact), artifact, OciContent.OciManifest);

        await OciAssert.StatusAsync(HttpStatusCode.Created, response);
        Assert.Equal(image.Digest, OciAssert.Header(response, "OCI-Subject"));
    }

    [Fact]
    public async Task PutManifest_SubjectNotPushed_AcceptedWithOciSubject()
    {
        var repository = OciServerFixture.NewRepository();
        await Client.PushImageAsync(repository, "v1");
        var absent = new OciDescriptor(OciContent.OciManifest, OciContent.UnknownDigest(), 123);
        var artifact = await ArtifactAsync(repository, absent, Sbom);

        using var response = await Client.PutManifestAsync(repository, OciContent.Digest(artifact), artifact, OciContent.OciManifest);

        // The spec lets a referrer arrive before its subject.
        await OciAssert.StatusAsync(HttpStatusCode.Created, response);
        Assert.Equal(absent.Digest, OciAssert.Header(response, "OCI-Subject"));
    }

    [Fact]
    public async Task Referrers_All_200IndexWithDescriptorsArtifactTypesAndAnnotations()
    {
        var repository = OciServerFixture.NewRepository();
        var image = await Client.PushImageAsync(repository, "v1");
        var sbom = await PushArtifactAsync(repository, image.Descriptor, Sbom, new Dictionary<string, string> { ["org.example.sbom.format"] = "json" });
        var signature = await PushArtifactAsync(repository, image.Descriptor, Signature);

        // A referrer without artifactType is listed with its config's media type.
        var config = await Client.PushBlobAsync(repository, OciContent.RandomConfig(), "application/vnd.example.attestation.config.v1+json");
        var plain = OciContent.ImageManifest(config, [], subject: image.Descriptor);
        using (var put = await Client.PutManifestAsync(repository, OciContent.Digest(plain), plain, OciContent.OciManifest))
        {
            await OciAssert.StatusAsync(HttpStatusCode.Created, put);
        }

        // An index referrer without artifactType is listed without one.
        var index = OciContent.Index([image.Descriptor], subject: image.Descriptor);
        using (var put = await Client.PutManifestAsync(repository, OciContent.Digest(index), index, OciContent.OciIndex))
        {
            await OciAssert.StatusAsync(HttpStatusCode.Created, put);
        }

        using var response = await Client.GetAsync($"/v2/{repository}/referrers/{image.Digest}");

        await OciAssert.StatusAsync(HttpStatusCode.OK, response);
        Assert.Equal(OciContent.OciIndex, response.Content.Headers.ContentType?.MediaType);
        Assert.False(response.Headers.Contains("OCI-Filters-Applied"));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(2, json.RootElement.GetProperty("schemaVersion").GetInt32());
        Assert.Equal(OciContent.OciIndex, json.RootElement.GetProperty("mediaType").GetString());
        var manifests = json.RootElement.GetProperty("manifests").EnumerateArray().ToDictionary(m => m.GetProperty("digest").GetString()!);
        Assert.Equal(4, manifests.Count);

        var sbomEntry = manifests[sbom.Digest];
        Assert.Equal(OciContent.OciManifest, sbomEntry.GetProperty("mediaType").GetString());
        Assert.Equal(sbom.Size, sbomEntry.GetProperty("size").GetInt64());
        Assert.Equal(Sbom, sbomEntry.GetProperty("artifactType").GetString());
        Assert.Equal("json", sbomEntry.GetProperty("annotations").GetProperty("org.example.sbom.format").GetString());
        Assert.Equal(Signature, manifests[signature.Digest].GetProperty("artifactType").GetString());
        Assert.False(manifests[signature.Digest].TryGetProperty("annotations", out _));
        Assert.Equal("application/vnd.example.attestation.config.v1+json", manifests[OciContent.Digest(plain)].GetProperty("artifactType").GetString());
        var indexEntry = manifests[OciContent.Digest(index)];
        Assert.Equal(OciContent.OciIndex, indexEntry.GetProperty("mediaType").GetString());
        Assert.False(indexEntry.TryGetProperty("artifactType", out _));
    }

    [Fact]
    public async Task Referrers_ArtifactTypeFilter_OnlyMatchesWithFiltersAppliedHeader()
    {
        var repository = OciServerFixture.NewRepository();
        var image = await Client.PushImageAsync(repository, "v1");
        var sbom = await PushArtifactAsync(repository, image.Descriptor, Sbom);
        await PushArtifactAsync(repository, image.Descriptor, Signature);

        using var response = await Client.GetAsync($"/v2/{repository}/referrers/{image.Digest}?artifactType={Uri.EscapeDataString(Sbom)}");
        using var none = await Client.GetAsync($"/v2/{repository}/referrers/{image.Digest}?artifactType=application%2Fvnd.example.none");

        await OciAssert.StatusAsync(HttpStatusCode.OK, response);
        Assert.Equal("artifactType", OciAssert.Header(response, "OCI-Filters-Applied"));
        Assert.Equal([sbom.Digest], await DigestsAsync(response));
        await OciAssert.StatusAsync(HttpStatusCode.OK, none);
        Assert.Equal("artifactType", OciAssert.Header(none, "OCI-Filters-Applied"));
        Assert.Empty(await DigestsAsync(none));
    }

    [Fact]
    public async Task Referrers_UnknownSubject_200EmptyIndex()
    {
        var repository = OciServerFixture.NewRepository();
        await Client.PushImageAsync(repository, "v1");

        using var response = await Client.GetAsync($"/v2/{repository}/referrers/{OciContent.UnknownDigest()}");

        await OciAssert.StatusAsync(HttpStatusCode.OK, response);
        Assert.Equal(OciContent.OciIndex, response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(2, json.RootElement.GetProperty("schemaVersion").GetInt32());
        Assert.Equal(OciContent.OciIndex, json.RootElement.GetProperty("mediaType").GetString());
        Assert.Equal(JsonValueKind.Array, json.RootElement.GetProperty("manifests").ValueKind);
        Assert.Equal(0, json.RootElement.GetProperty("manifests").GetArrayLength());
    }

    [Fact]
    public async Task Referrers_OfSubjectInAnotherRepository_NotListed()
    {
        var one = OciServerFixture.NewRepository();
        var two = OciServerFixture.NewRepository();
        var image = await Client.PushImageAsync(one, "v1");
        await PushArtifactAsync(one, image.Descriptor, Sbom);
        await Client.PushImageAsync(two, "v1");

        using var response = await Client.GetAsync($"/v2/{two}/referrers/{image.Digest}");

        Assert.Empty(await DigestsAsync(response));
    }

    [Fact]
    public async Task Referrers_AfterReferrerDeleted_NotListed()
    {
        var repository = OciServerFixture.NewRepository();
        var image = await Client.PushImageAsync(repository, "v1");
        var sbom = await PushArtifactAsync(repository, image.Descriptor, Sbom);
        var signature = await PushArtifactAsync(repository, image.Descriptor, Signature);

        using var deleted = await Client.DeleteAsync($"/v2/{repository}/manifests/{sbom.Digest}");
        using var response = await Client.GetAsync($"/v2/{repository}/referrers/{image.Digest}");

        await OciAssert.StatusAsync(HttpStatusCode.Accepted, deleted);
        Assert.Equal([signature.Digest], await DigestsAsync(response));
    }

    [Theory]
    [InlineData("latest")]
    [InlineData("sha256:123")]
    [InlineData("sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task Referrers_NotADigest_400DigestInvalid(string reference)
    {
        var repository = OciServerFixture.NewRepository();
        await Client.PushImageAsync(repository, "v1");

        using var response = await Client.GetAsync($"/v2/{repository}/referrers/{reference}");

        await OciAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "DIGEST_INVALID");
    }

    [Fact]
    public async Task PutManifest_SubjectDigestMalformed_400ManifestInvalid()
    {
        var repository = OciServerFixture.NewRepository();
        var image = await Client.PushImageAsync(repository, "v1");
        var artifact = await ArtifactAsync(repository, image.Descriptor with { Digest = "sha256:nothex" }, Sbom);

        using var response = await Client.PutManifestAsync(repository, "sbom", artifact, OciContent.OciManifest);

        await OciAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "MANIFEST_INVALID");
    }

    // An OCI 1.1 artifact: empty config, one small layer, artifactType and a subject.
    private async Task<byte[]> ArtifactAsync(
        string repository, OciDescriptor subject, string artifactType, IReadOnlyDictionary<string, string>? annotations = null)
    {
        var empty = await Client.PushBlobAsync(repository, OciContent.EmptyJson, OciContent.EmptyMediaType);
        var layer = await Client.PushBlobAsync(repository, OciContent.RandomBytes(32), "application/json");
        return OciContent.ImageManifest(empty, [layer], subject: subject, artifactType: artifactType, annotations: annotations);
    }

    private async Task<OciDescriptor> PushArtifactAsync(
        string repository, OciDescriptor subject, string artifactType, IReadOnlyDictionary<string, string>? annotations = null)
    {
        var artifact = await ArtifactAsync(repository, subject, artifactType, annotations);
        var digest = OciContent.Digest(artifact);
        using var put = await Client.PutManifestAsync(repository, digest, artifact, OciContent.OciManifest);
        await OciAssert.StatusAsync(HttpStatusCode.Created, put);
        return new OciDescriptor(OciContent.OciManifest, digest, artifact.Length);
    }

    private static async Task<string[]> DigestsAsync(HttpResponseMessage response)
    {
        await OciAssert.StatusAsync(HttpStatusCode.OK, response);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        return [.. json.RootElement.GetProperty("manifests").EnumerateArray().Select(m => m.GetProperty("digest").GetString()!)];
    }
}
