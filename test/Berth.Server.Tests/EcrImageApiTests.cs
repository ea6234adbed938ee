using System.Text.Json;
using Berth.Testing;

namespace Berth.Server.Tests;

/// <summary>The image operations of the ECR API driven by boto3 against the real server, field by field.</summary>
public sealed class EcrImageApiTests(BerthServerFixture fixture) : IClassFixture<BerthServerFixture>, IDisposable
{
    private const string Account = "000000000000";

    private readonly TempDirectory _home = TempDirectory.Create("berth-home-");

    private BerthTestServer Server => fixture.Server;

    private RegistryContent Content => new(Server);

    private Boto3 Boto3 => new(Server, _home.Path);

    private AwsCli Aws => new(Server, _home.Path);

    [Fact]
    public async Task PutImage_NewManifestThenSameAgainWrongDigestMissingLayer_StoresOnceAndAnswersEcrErrors()
    {
        await Aws.CreateRepositoryAsync("put/app", TestContext.Current.CancellationToken);
        var config = await Content.PushBlobAsync("put/app", "{\"os\":\"linux\"}"u8.ToArray(), RegistryContent.OciConfig);
        var layer = await Content.PushBlobAsync("put/app", "layer-bytes"u8.ToArray());
        var manifest = System.Text.Encoding.UTF8.GetString(RegistryContent.ImageManifest(config, [layer]));
        var digest = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(manifest)));
        var missing = RegistryContent.ImageManifest(config, [new TestBlob("sha256:" + new string('a', 64), 5, RegistryContent.OciLayer)]);

        var result = await Boto3.RunAsync(
            """
            out["put"] = call("put_image", repositoryName="put/app", imageManifest=V["manifest"], imageTag="v1")
            out["again"] = call("put_image", repositoryName="put/app", imageManifest=V["manifest"], imageTag="v1")
            out["retag"] = call("put_image", repositoryName="put/app", imageManifest=V["manifest"], imageTag="v2", imageDigest=V["digest"])
            out["wrongDigest"] = call("put_image", repositoryName="put/app", imageManifest=V["manifest"], imageTag="v3", imageDigest="sha256:" + "b" * 64)
            out["missingLayer"] = call("put_image", repositoryName="put/app", imageManifest=V["missing"], imageTag="v4")
            out["missingChild"] = call("put_image", repositoryName="put/app", imageManifest=V["index"], imageTag="multi")
            out["badTag"] = call("put_image", repositoryName="put/app", imageManifest=V["manifest"], imageTag="bad+tag")
            out["noRepo"] = call("put_image", repositoryName="put/none", imageManifest=V["manifest"], imageTag="v1")
            out["list"] = call("list_images", repositoryName="put/app")
            """,
            new
            {
                manifest,
                digest,
                missing = System.Text.Encoding.UTF8.GetString(missing),
                index = $$"""{"schemaVersion":2,"mediaType":"{{RegistryContent.OciIndex}}","manifests":[{"mediaType":"{{RegistryContent.OciManifest}}","digest":"sha256:{{new string('e', 64)}}","size":10}]}""",
            });

        var image = result.GetProperty("put").GetProperty("image");
        Assert.Equal(Account, image.GetProperty("registryId").GetString());
        Assert.Equal("put/app", image.GetProperty("repositoryName").GetString());
        Assert.Equal(digest, image.GetProperty("imageId").GetProperty("imageDigest").GetString());
        Assert.Equal("v1", image.GetProperty("imageId").GetProperty("imageTag").GetString());
        Assert.Equal(manifest, image.GetProperty("imageManifest").GetString());
        Assert.Equal(RegistryContent.OciManifest, image.GetProperty("imageManifestMediaType").GetString());
        AssertError(result.GetProperty("again"), "ImageAlreadyExistsException", $"Image with digest '{digest}' and tag 'v1' already exists in the repository with name 'put/app' in registry with id '{Account}'");
        Assert.Equal("v2", result.GetProperty("retag").GetProperty("image").GetProperty("imageId").GetProperty("imageTag").GetString());
        AssertError(result.GetProperty("wrongDigest"), "ImageDigestDoesNotMatchException");
        AssertError(result.GetProperty("missingLayer"), "LayersNotFoundException");
        AssertError(result.GetProperty("missingChild"), "ReferencedImagesNotFoundException");
        AssertError(result.GetProperty("badTag"), "InvalidParameterException");
        AssertError(result.GetProperty("noRepo"), "RepositoryNotFoundException", $"The repository with name 'put/none' does not exist in the registry with id '{Account}'");
        Assert.Equal(
            [(digest, "v1"), (digest, "v2")],
            result.GetProperty("list").GetProperty("imageIds").EnumerateArray().Select(i => (i.GetProperty("imageDigest").GetString(), i.GetProperty("imageTag").GetString())));
    }

    [Fact]
    public async Task DescribeImages_TaggedUntaggedIndexAndReferrer_ReportsEcrFieldsAndPullTime()
    {
        await Aws.CreateRepositoryAsync("describe/app", TestContext.Current.CancellationToken);
        var tagged = await Content.PushImageAsync("describe/app", "v1", layers: 3);
        await Content.PutManifestAsync("describe/app", "latest", tagged.Manifest);
        var untagged = await Content.PushImageAsync("describe/app", null, layers: 1);
        var index = await Content.PushIndexAsync("describe/app", "multi", tagged, untagged);
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

        var result = await Boto3.RunAsync(
            """
            out["all"] = call("describe_images", repositoryName="describe/app")
            out["untagged"] = call("describe_images", repositoryName="describe/app", filter={"tagStatus": "UNTAGGED"})
            out["tagged"] = call("describe_images", repositoryName="describe/app", filter={"tagStatus": "TAGGED"})
            out["byTag"] = call("describe_images", repositoryName="describe/app", imageIds=[{"imageTag": "v1"}])
            out["missing"] = call("describe_images", repositoryName="describe/app", imageIds=[{"imageTag": "nope"}])
            out["both"] = call("describe_images", repositoryName="describe/app", imageIds=[{"imageTag": "v1"}], maxResults=5)
            registry_get(os.environ["BERTH_URL"] + "/v2/describe/app/manifests/v1")
            out["afterPull"] = call("describe_images", repositoryName="describe/app", imageIds=[{"imageDigest": V["digest"]}])
            """,
            new { digest = tagged.Digest });
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

        var details = result.GetProperty("all").GetProperty("imageDetails").EnumerateArray().ToDictionary(d => d.GetProperty("imageDigest").GetString()!);
        Assert.Equal(new[] { tagged.Digest, untagged.Digest, index }.Order(), details.Keys.Order());
        var detail = details[tagged.Digest];
        Assert.Equal(Account, detail.GetProperty("registryId").GetString());
        Assert.Equal("describe/app", detail.GetProperty("repositoryName").GetString());
        Assert.Equal(["latest", "v1"], detail.GetProperty("imageTags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(tagged.Size, detail.GetProperty("imageSizeInBytes").GetInt64());
        Assert.True(detail.GetProperty("imagePushedAt").GetProperty("aware").GetBoolean());
        Assert.InRange(detail.GetProperty("imagePushedAt").GetProperty("epoch").GetDouble(), before - 120, before + 1);
        Assert.Equal(RegistryContent.OciManifest, detail.GetProperty("imageManifestMediaType").GetString());
        Assert.Equal(RegistryContent.OciConfig, detail.GetProperty("artifactMediaType").GetString());
        Assert.False(detail.TryGetProperty("lastRecordedPullTime", out _));
        Assert.False(details[untagged.Digest].TryGetProperty("imageTags", out _));
        Assert.Equal(untagged.Size, details[untagged.Digest].GetProperty("imageSizeInBytes").GetInt64());

        // A manifest list reports its largest child, as ECR documents.
        Assert.Equal(Math.Max(tagged.Size, untagged.Size), details[index].GetProperty("imageSizeInBytes").GetInt64());
        Assert.Equal(RegistryContent.OciIndex, details[index].GetProperty("imageManifestMediaType").GetString());

        Assert.Equal([untagged.Digest], Digests(result.GetProperty("untagged")));
        Assert.Equal(new[] { tagged.Digest, index }.Order(), Digests(result.GetProperty("tagged")).Order());
        Assert.Equal([tagged.Digest], Digests(result.GetProperty("byTag")));
        AssertError(
            result.GetProperty("missing"),
            "ImageNotFoundException",
            $"The image with imageId {{imageDigest:'null', imageTag:'nope'}} does not exist within the repository with name 'describe/app' in the registry with id '{Account}'");
        AssertError(result.GetProperty("both"), "InvalidParameterException");
        var pulled = Assert.Single(result.GetProperty("afterPull").GetProperty("imageDetails").EnumerateArray()).GetProperty("lastRecordedPullTime");
        Assert.InRange(pulled.GetProperty("epoch").GetDouble(), before - 1, after + 1);
    }

    [Fact]
    public async Task BatchGetImage_ByTagDigestAndMissing_ReturnsManifestsAndEcrFailureCodes()
    {
        await Aws.CreateRepositoryAsync("get/app", TestContext.Current.CancellationToken);
        var image = await Content.PushImageAsync("get/app", "v1");
        var other = await Content.PushImageAsync("get/app", "v2");

        var result = await Boto3.RunAsync(
            """
            out["get"] = call("batch_get_image", repositoryName="get/app", imageIds=[
                {"imageTag": "v1"}, {"imageDigest": V["other"]}, {"imageTag": "nope"}, {"imageDigest": V["digest"], "imageTag": "v2"}, {}])
            out["accepted"] = call("batch_get_image", repositoryName="get/app", imageIds=[{"imageTag": "v1"}],
                acceptedMediaTypes=["application/vnd.docker.distribution.manifest.v2+json"])
            out["noRepo"] = call("batch_get_image", repositoryName="get/none", imageIds=[{"imageTag": "v1"}])
            out["described"] = call("describe_images", repositoryName="get/app", imageIds=[{"imageTag": "v1"}])
            """,
            new { digest = image.Digest, other = other.Digest });

        var images = result.GetProperty("get").GetProperty("images").EnumerateArray().ToList();
        Assert.Equal(2, images.Count);
        Assert.Equal(Account, images[0].GetProperty("registryId").GetString());
        Assert.Equal("get/app", images[0].GetProperty("repositoryName").GetString());
        Assert.Equal(image.Digest, images[0].GetProperty("imageId").GetProperty("imageDigest").GetString());
        Assert.Equal("v1", images[0].GetProperty("imageId").GetProperty("imageTag").GetString());
        Assert.Equal(image.ManifestText, images[0].GetProperty("imageManifest").GetString());
        Assert.Equal(RegistryContent.OciManifest, images[0].GetProperty("imageManifestMediaType").GetString());
        Assert.Equal(other.Digest, images[1].GetProperty("imageId").GetProperty("imageDigest").GetString());
        Assert.False(images[1].GetProperty("imageId").TryGetProperty("imageTag", out _));
        Assert.Equal(other.ManifestText, images[1].GetProperty("imageManifest").GetString());
        Assert.Equal(
            [("nope", "ImageNotFound", "Requested image not found"), ("v2", "ImageTagDoesNotMatchDigest", "Invalid request parameters: image tag does not match digest"), (null, "MissingDigestAndTag", "Invalid request parameters: both tag and digest cannot be null")],
            Failures(result.GetProperty("get")).Select(f => (f.Tag, f.Code, f.Reason)));
        Assert.Empty(result.GetProperty("accepted").GetProperty("images").EnumerateArray());
        Assert.Equal("UnsupportedImageType", Assert.Single(Failures(result.GetProperty("accepted"))).Code);
        AssertError(result.GetProperty("noRepo"), "RepositoryNotFoundException");

        // BatchGetImage is a pull.
        Assert.True(Assert.Single(result.GetProperty("described").GetProperty("imageDetails").EnumerateArray()).TryGetProperty("lastRecordedPullTime", out _));
    }

    [Fact]
    public async Task BatchDeleteImage_TagsDigestsAndIndexChildren_DeletesLikeEcrWithPerIdFailures()
    {
        await Aws.CreateRepositoryAsync("delete/app", TestContext.Current.CancellationToken);
        var twoTags = await Content.PushImageAsync("delete/app", "a");
        await Content.PutManifestAsync("delete/app", "b", twoTags.Manifest);
        var child = await Content.PushImageAsync("delete/app", "child");
        var index = await Content.PushIndexAsync("delete/app", "multi", child);
        var byDigest = await Content.PushImageAsync("delete/app", "x");
        await Content.PutManifestAsync("delete/app", "y", byDigest.Manifest);

        var result = await Boto3.RunAsync(
            """
            out["tagA"] = call("batch_delete_image", repositoryName="delete/app", imageIds=[{"imageTag": "a"}])
            out["afterA"] = call("list_images", repositoryName="delete/app")
            out["tagB"] = call("batch_delete_image", repositoryName="delete/app", imageIds=[{"imageTag": "b"}])
            out["digest"] = call("batch_delete_image", repositoryName="delete/app", imageIds=[{"imageDigest": V["byDigest"]}])
            out["mixed"] = call("batch_delete_image", repositoryName="delete/app", imageIds=[
                {"imageDigest": V["child"]}, {"imageTag": "gone"}, {"imageDigest": "not-a-digest"}, {"imageTag": "multi"}])
            out["childAfterIndex"] = call("batch_delete_image", repositoryName="delete/app", imageIds=[{"imageDigest": V["child"]}])
            out["left"] = call("list_images", repositoryName="delete/app")
            """,
            new { byDigest = byDigest.Digest, child = child.Digest });

        Assert.Equal([(twoTags.Digest, "a")], Ids(result.GetProperty("tagA").GetProperty("imageIds")));
        Assert.Empty(result.GetProperty("tagA").GetProperty("failures").EnumerateArray());
        Assert.Contains((twoTags.Digest, "b"), Ids(result.GetProperty("afterA").GetProperty("imageIds")));
        Assert.DoesNotContain((twoTags.Digest, "a"), Ids(result.GetProperty("afterA").GetProperty("imageIds")));
        Assert.Equal([(twoTags.Digest, "b")], Ids(result.GetProperty("tagB").GetProperty("imageIds")));
        Assert.Equal([(byDigest.Digest, "x"), (byDigest.Digest, "y")], Ids(result.GetProperty("digest").GetProperty("imageIds")));

        // The child is still listed by the index: refused; the index itself goes (its only tag).
        var mixed = result.GetProperty("mixed");
        Assert.Equal([(index, "multi")], Ids(mixed.GetProperty("imageIds")));
        Assert.Equal(
            [(child.Digest, "ImageReferencedByManifestList", $"Requested image referenced by manifest list: [{index}]"), (null, "ImageNotFound", "Requested image not found"), ("not-a-digest", "InvalidImageDigest", null)],
            Failures(mixed).Select(f => (f.Digest, f.Code, f.Code == "InvalidImageDigest" ? null : f.Reason)));
        Assert.Equal([(child.Digest, "child")], Ids(result.GetProperty("childAfterIndex").GetProperty("imageIds")));

        // Nothing else remains: the image went with its last tag, the digest delete took every tag.
        Assert.Empty(result.GetProperty("left").GetProperty("imageIds").EnumerateArray());
    }

    [Fact]
    public async Task LayerUploadApi_PartsCompleteCheckAndDownload_StoresTheLayerAndRefusesBadPartsLikeEcr()
    {
        await Aws.CreateRepositoryAsync("layers/app", TestContext.Current.CancellationToken);
        var layer = System.Security.Cryptography.RandomNumberGenerator.GetBytes(300_000);
        var digest = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(layer));

        var result = await Boto3.RunAsync(
            """
            layer = base64.b64decode(V["layer"])
            up = call("initiate_layer_upload", repositoryName="layers/app")
            out["initiate"] = up
            uid = up["uploadId"]
            out["part1"] = call("upload_layer_part", repositoryName="layers/app", uploadId=uid, partFirstByte=0, partLastByte=99999, layerPartBlob=layer[:100000])
            out["gap"] = call("upload_layer_part", repositoryName="layers/app", uploadId=uid, partFirstByte=150000, partLastByte=299999, layerPartBlob=layer[150000:])
            out["sizeMismatch"] = call("upload_layer_part", repositoryName="layers/app", uploadId=uid, partFirstByte=100000, partLastByte=100009, layerPartBlob=layer[100000:100005])
            out["part2"] = call("upload_layer_part", repositoryName="layers/app", uploadId=uid, partFirstByte=100000, partLastByte=299999, layerPartBlob=layer[100000:])
            out["wrongDigest"] = call("complete_layer_upload", repositoryName="layers/app", uploadId=uid, layerDigests=["sha256:" + "c" * 64])
            out["complete"] = call("complete_layer_upload", repositoryName="layers/app", uploadId=uid, layerDigests=[V["digest"]])
            out["completeAgain"] = call("complete_layer_upload", repositoryName="layers/app", uploadId=uid, layerDigests=[V["digest"]])
            out["unknownUpload"] = call("upload_layer_part", repositoryName="layers/app", uploadId="00000000-0000-0000-0000-000000000000", partFirstByte=0, partLastByte=0, layerPartBlob=b"x")
            empty = call("initiate_layer_upload", repositoryName="layers/app")["uploadId"]
            out["empty"] = call("complete_layer_upload", repositoryName="layers/app", uploadId=empty, layerDigests=[V["digest"]])
            again = call("initiate_layer_upload", repositoryName="layers/app")["uploadId"]
            call("upload_layer_part", repositoryName="layers/app", uploadId=again, partFirstByte=0, partLastByte=len(layer) - 1, layerPartBlob=layer)
            out["exists"] = call("complete_layer_upload", repositoryName="layers/app", uploadId=again, layerDigests=[V["digest"]])
            out["check"] = call("batch_check_layer_availability", repositoryName="layers/app", layerDigests=[V["digest"], "sha256:" + "d" * 64, "bogus"])
            url = call("get_download_url_for_layer", repositoryName="layers/app", layerDigest=V["digest"])
            out["url"] = url
            out["downloaded"] = base64.b64encode(registry_get(url["downloadUrl"])).decode() == V["layer"]
            out["urlMissing"] = call("get_download_url_for_layer", repositoryName="layers/app", layerDigest="sha256:" + "d" * 64)
            out["noRepo"] = call("initiate_layer_upload", repositoryName="layers/none")
            """,
            new { layer = Convert.ToBase64String(layer), digest });

        var initiate = result.GetProperty("initiate");
        var uploadId = initiate.GetProperty("uploadId").GetString()!;
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", uploadId);
        Assert.Equal(10 * 1024 * 1024, initiate.GetProperty("partSize").GetInt64());
        var part1 = result.GetProperty("part1");
        Assert.Equal(Account, part1.GetProperty("registryId").GetString());
        Assert.Equal("layers/app", part1.GetProperty("repositoryName").GetString());
        Assert.Equal(uploadId, part1.GetProperty("uploadId").GetString());
        Assert.Equal(99999, part1.GetProperty("lastByteReceived").GetInt64());
        foreach (var bad in new[] { "gap", "sizeMismatch" })
        {
            var error = result.GetProperty(bad);
            AssertError(error, "InvalidLayerPartException");
            var extra = error.GetProperty("extra");
            Assert.Equal(99999, extra.GetProperty("lastValidByteReceived").GetInt64());
            Assert.Equal(uploadId, extra.GetProperty("uploadId").GetString());
            Assert.Equal("layers/app", extra.GetProperty("repositoryName").GetString());
            Assert.Equal(Account, extra.GetProperty("registryId").GetString());
        }

        Assert.Equal(299999, result.GetProperty("part2").GetProperty("lastByteReceived").GetInt64());
        AssertError(result.GetProperty("wrongDigest"), "InvalidLayerException");
        var complete = result.GetProperty("complete");
        Assert.Equal(digest, complete.GetProperty("layerDigest").GetString());
        Assert.Equal(uploadId, complete.GetProperty("uploadId").GetString());
        Assert.Equal("layers/app", complete.GetProperty("repositoryName").GetString());
        Assert.Equal(Account, complete.GetProperty("registryId").GetString());
        AssertError(result.GetProperty("completeAgain"), "UploadNotFoundException");
        AssertError(result.GetProperty("unknownUpload"), "UploadNotFoundException");
        AssertError(result.GetProperty("empty"), "EmptyUploadException");
        AssertError(result.GetProperty("exists"), "LayerAlreadyExistsException");

        var check = result.GetProperty("check");
        Assert.Equal(
            [(digest, "AVAILABLE", (long?)layer.Length), ("sha256:" + new string('d', 64), "UNAVAILABLE", null)],
            check.GetProperty("layers").EnumerateArray().Select(l => (
                l.GetProperty("layerDigest").GetString(),
                l.GetProperty("layerAvailability").GetString(),
                l.TryGetProperty("layerSize", out var size) ? size.GetInt64() : (long?)null)));
        var failure = Assert.Single(check.GetProperty("failures").EnumerateArray());
        Assert.Equal("bogus", failure.GetProperty("layerDigest").GetString());
        Assert.Equal("InvalidLayerDigest", failure.GetProperty("failureCode").GetString());

        Assert.Equal($"{Server.EndpointUrl}/v2/layers/app/blobs/{digest}", result.GetProperty("url").GetProperty("downloadUrl").GetString());
        Assert.Equal(digest, result.GetProperty("url").GetProperty("layerDigest").GetString());
        Assert.True(result.GetProperty("downloaded").GetBoolean());
        AssertError(result.GetProperty("urlMissing"), "LayersNotFoundException");
        AssertError(result.GetProperty("noRepo"), "RepositoryNotFoundException");
    }

    [Fact]
    public async Task ListImageReferrers_ThreeArtifacts_FiltersPagesAndDescribeShowsTheSubject()
    {
        const string Sbom = "application/vnd.example.sbom";
        await Aws.CreateRepositoryAsync("refs/app", TestContext.Current.CancellationToken);
        var subject = await Content.PushImageAsync("refs/app", "v1");
        var sbom1 = await Content.PushReferrerAsync("refs/app", subject, Sbom, new Dictionary<string, string> { ["org.example.kind"] = "spdx" });
        var signature = await Content.PushReferrerAsync("refs/app", subject, "application/vnd.example.signature");
        var sbom2 = await Content.PushReferrerAsync("refs/app", subject, Sbom);

        var result = await Boto3.RunAsync(
            """
            subject = {"imageDigest": V["subject"]}
            out["all"] = call("list_image_referrers", repositoryName="refs/app", subjectId=subject)
            out["sboms"] = call("list_image_referrers", repositoryName="refs/app", subjectId=subject, filter={"artifactTypes": [V["sbom"]]})
            pages, token = [], None
            while True:
                kwargs = {"nextToken": token} if token else {}
                page = call("list_image_referrers", repositoryName="refs/app", subjectId=subject, maxResults=1, **kwargs)
                pages.append([r["digest"] for r in page["referrers"]])
                token = page.get("nextToken")
                if not token:
                    break
            out["pages"] = pages
            out["none"] = call("list_image_referrers", repositoryName="refs/app", subjectId={"imageDigest": V["sbom1"]})
            out["tooMany"] = call("list_image_referrers", repositoryName="refs/app", subjectId=subject, maxResults=51)
            out["described"] = call("describe_images", repositoryName="refs/app", imageIds=[{"imageDigest": V["sbom1"]}])
            """,
            new { subject = subject.Digest, sbom = Sbom, sbom1 });

        var all = result.GetProperty("all").GetProperty("referrers").EnumerateArray().ToList();
        Assert.Equal([sbom1, signature, sbom2], all.Select(r => r.GetProperty("digest").GetString()));
        Assert.Equal(RegistryContent.OciManifest, all[0].GetProperty("mediaType").GetString());
        Assert.Equal(Sbom, all[0].GetProperty("artifactType").GetString());
        Assert.True(all[0].GetProperty("size").GetInt64() > 0);
        Assert.Equal("spdx", all[0].GetProperty("annotations").GetProperty("org.example.kind").GetString());
        Assert.Equal("ACTIVE", all[0].GetProperty("artifactStatus").GetString());
        Assert.Equal([sbom1, sbom2], result.GetProperty("sboms").GetProperty("referrers").EnumerateArray().Select(r => r.GetProperty("digest").GetString()));
        Assert.Equal([[sbom1], [signature], [sbom2]], result.GetProperty("pages").EnumerateArray().Select(p => p.EnumerateArray().Select(d => d.GetString()).ToArray()));
        Assert.Empty(result.GetProperty("none").GetProperty("referrers").EnumerateArray());
        AssertError(result.GetProperty("tooMany"), "InvalidParameterException");
        var detail = Assert.Single(result.GetProperty("described").GetProperty("imageDetails").EnumerateArray());
        Assert.Equal(subject.Digest, detail.GetProperty("subjectManifestDigest").GetString());
        Assert.Equal(Sbom, detail.GetProperty("artifactMediaType").GetString());
    }

    [Fact]
    public async Task ModelOperationsWithoutHandler_Boto3_ValidationExceptionNamingTheOperation()
    {
        var result = await Boto3.RunAsync(
            """
            out["rules"] = call("describe_pull_through_cache_rules")
            out["setting"] = call("put_account_setting", name="BASIC_SCAN_TYPE_VERSION", value="AWS_NATIVE")
            out["scan"] = call("start_image_scan", repositoryName="any/repo", imageId={"imageTag": "v1"})
            """);

        EcrImageApiTests.AssertError(result.GetProperty("rules"), "ValidationException", "DescribePullThroughCacheRules is not supported by this registry");
        EcrImageApiTests.AssertError(result.GetProperty("setting"), "ValidationException", "PutAccountSetting is not supported by this registry");
        EcrImageApiTests.AssertError(result.GetProperty("scan"), "ValidationException", "StartImageScan is not supported by this registry");
    }

    public void Dispose() => _home.Dispose();

    internal static void AssertError(JsonElement result, string type, string? message = null)
    {
        Assert.True(result.TryGetProperty("error", out var error), $"expected {type}, got {result}");
        Assert.Equal(type, error.GetString());
        Assert.Equal(400, result.GetProperty("status").GetInt32());
        if (message is not null)
        {
            Assert.Equal(message, result.GetProperty("message").GetString());
        }
    }

    private static IEnumerable<string?> Digests(JsonElement describe) =>
        describe.GetProperty("imageDetails").EnumerateArray().Select(d => d.GetProperty("imageDigest").GetString());

    private static IEnumerable<(string? Digest, string? Tag)> Ids(JsonElement ids) =>
        ids.EnumerateArray().Select(i => (
            i.TryGetProperty("imageDigest", out var d) ? d.GetString() : null,
            i.TryGetProperty("imageTag", out var t) ? t.GetString() : null));

    private static IEnumerable<(string? Digest, string? Tag, string? Code, string? Reason)> Failures(JsonElement result) =>
        result.GetProperty("failures").EnumerateArray().Select(f => (
            f.GetProperty("imageId").TryGetProperty("imageDigest", out var d) ? d.GetString() : null,
            f.GetProperty("imageId").TryGetProperty("imageTag", out var t) ? t.GetString() : null,
            f.GetProperty("failureCode").GetString(),
            f.GetProperty("failureReason").GetString()));
}
