using Berth.Testing;
using Berth.Testing.Podman;

namespace Berth.Server.Tests;

/// <summary>Tag immutability: the ECR API settings (with exclusion filters) and their effect on PutImage and on podman pushes.</summary>
public sealed class EcrTagMutabilityTests : IDisposable
{
    private const string Account = "000000000000";

    private readonly TempDirectory _home = TempDirectory.Create("berth-home-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Immutable(string tag, string repository) =>
        $"The image tag '{tag}' already exists in the '{repository}' repository and cannot be overwritten because the tag is immutable.";

    [Fact]
    public async Task CreateAndPutImageTagMutability_WithExclusionFilters_PutImageHonoursEachMode()
    {
        await using var server = await BerthTestServer.StartAsync(cancellationToken: Ct);
        var content = new RegistryContent(server);
        var boto3 = new Boto3(server, _home.Path);
        var created = await boto3.RunAsync(
            """
            out["create"] = call("create_repository", repositoryName="imm/app", imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
                imageTagMutabilityExclusionFilters=[{"filterType": "WILDCARD", "filter": "latest"}, {"filterType": "WILDCARD", "filter": "dev-*"}])
            out["plainWithFilters"] = call("create_repository", repositoryName="imm/bad1", imageTagMutability="IMMUTABLE",
                imageTagMutabilityExclusionFilters=[{"filterType": "WILDCARD", "filter": "latest"}])
            out["exclusionWithoutFilters"] = call("create_repository", repositoryName="imm/bad2", imageTagMutability="MUTABLE_WITH_EXCLUSION")
            out["badFilter"] = call("create_repository", repositoryName="imm/bad3", imageTagMutability="MUTABLE_WITH_EXCLUSION",
                imageTagMutabilityExclusionFilters=[{"filterType": "WILDCARD", "filter": "no/slash"}])
            out["badMode"] = call("create_repository", repositoryName="imm/bad4", imageTagMutability="SOMETIMES")
            """);
        var a = await content.PushImageAsync("imm/app", null);
        var b = await content.PushImageAsync("imm/app", null);

        var result = await boto3.RunAsync(
            """
            def put(tag, manifest):
                return call("put_image", repositoryName="imm/app", imageManifest=manifest, imageTag=tag)
            out["v1a"] = put("v1", V["a"])
            out["v1a2"] = put("v1", V["a"])
            out["v1b"] = put("v1", V["b"])
            put("latest", V["a"]); out["latestB"] = put("latest", V["b"])
            put("dev-7", V["a"]); out["devB"] = put("dev-7", V["b"])
            out["toMutable"] = call("put_image_tag_mutability", repositoryName="imm/app", imageTagMutability="MUTABLE")
            out["v1bMutable"] = put("v1", V["b"])
            out["toMutableExcept"] = call("put_image_tag_mutability", repositoryName="imm/app", imageTagMutability="MUTABLE_WITH_EXCLUSION",
                imageTagMutabilityExclusionFilters=[{"filterType": "WILDCARD", "filter": "release-*"}])
            put("release-1", V["a"]); out["releaseB"] = put("release-1", V["b"])
            out["v1aAgain"] = put("v1", V["a"])
            out["described"] = call("describe_repositories", repositoryNames=["imm/app"])
            out["noRepo"] = call("put_image_tag_mutability", repositoryName="imm/none", imageTagMutability="IMMUTABLE")
            """,
            new { a = a.ManifestText, b = b.ManifestText });

        var repository = created.GetProperty("create").GetProperty("repository");
        Assert.Equal("IMMUTABLE_WITH_EXCLUSION", repository.GetProperty("imageTagMutability").GetString());
        Assert.Equal(
            [("WILDCARD", "latest"), ("WILDCARD", "dev-*")],
            repository.GetProperty("imageTagMutabilityExclusionFilters").EnumerateArray().Select(f => (f.GetProperty("filterType").GetString(), f.GetProperty("filter").GetString())));
        foreach (var bad in new[] { "plainWithFilters", "exclusionWithoutFilters", "badFilter", "badMode" })
        {
            EcrImageApiTests.AssertError(created.GetProperty(bad), "InvalidParameterException");
        }

        Assert.Equal(a.Digest, result.GetProperty("v1a").GetProperty("image").GetProperty("imageId").GetProperty("imageDigest").GetString());

        // Immutable even for the digest the tag already has, like ECR.
        EcrImageApiTests.AssertError(result.GetProperty("v1a2"), "ImageTagAlreadyExistsException", Immutable("v1", "imm/app"));
        EcrImageApiTests.AssertError(result.GetProperty("v1b"), "ImageTagAlreadyExistsException", Immutable("v1", "imm/app"));
        Assert.Equal(b.Digest, result.GetProperty("latestB").GetProperty("image").GetProperty("imageId").GetProperty("imageDigest").GetString());
        Assert.Equal(b.Digest, result.GetProperty("devB").GetProperty("image").GetProperty("imageId").GetProperty("imageDigest").GetString());

        var toMutable = result.GetProperty("toMutable");
        Assert.Equal(Account, toMutable.GetProperty("registryId").GetString());
        Assert.Equal("imm/app", toMutable.GetProperty("repositoryName").GetString());
        Assert.Equal("MUTABLE", toMutable.GetProperty("imageTagMutability").GetString());
        Assert.False(toMutable.TryGetProperty("imageTagMutabilityExclusionFilters", out _));
        Assert.Equal(b.Digest, result.GetProperty("v1bMutable").GetProperty("image").GetProperty("imageId").GetProperty("imageDigest").GetString());
        Assert.Equal("MUTABLE_WITH_EXCLUSION", result.GetProperty("toMutableExcept").GetProperty("imageTagMutability").GetString());
        EcrImageApiTests.AssertError(result.GetProperty("releaseB"), "ImageTagAlreadyExistsException", Immutable("release-1", "imm/app"));
        Assert.Equal(a.Digest, result.GetProperty("v1aAgain").GetProperty("image").GetProperty("imageId").GetProperty("imageDigest").GetString());
        var described = Assert.Single(result.GetProperty("described").GetProperty("repositories").EnumerateArray());
        Assert.Equal("MUTABLE_WITH_EXCLUSION", described.GetProperty("imageTagMutability").GetString());
        Assert.Equal("release-*", Assert.Single(described.GetProperty("imageTagMutabilityExclusionFilters").EnumerateArray()).GetProperty("filter").GetString());
        EcrImageApiTests.AssertError(result.GetProperty("noRepo"), "RepositoryNotFoundException", $"The repository with name 'imm/none' does not exist in the registry with id '{Account}'");
    }

    [Fact]
    public async Task PodmanPush_SameTagTwiceToAnImmutableRepository_SecondPushFailsWithTagInvalid()
    {
        await using var server = await BerthTestServer.StartAsync(cancellationToken: Ct);
        using var sandbox = await PodmanSandbox.CreateAsync(Ct);
        var aws = new AwsCli(server, _home.Path);
        using var created = await aws.EcrJsonAsync(["create-repository", "--repository-name", "team/app", "--image-tag-mutability", "IMMUTABLE"], Ct);
        Assert.Equal("IMMUTABLE", created.RootElement.GetProperty("repository").GetProperty("imageTagMutability").GetString());
        await sandbox.LoginAsync(server.Host, await aws.GetLoginPasswordOutputAsync(Ct), Ct);
        var image = await sandbox.BuildImageAsync($"{server.Host}/team/app:v1", seed: 11, cancellationToken: Ct);

        var first = await sandbox.RunPodmanAsync(["push", "--tls-verify=false", image.Tag], timeout: TimeSpan.FromMinutes(5), cancellationToken: Ct);
        var second = await sandbox.RunPodmanAsync(["push", "--tls-verify=false", image.Tag], timeout: TimeSpan.FromMinutes(5), cancellationToken: Ct);
        using var listed = await aws.EcrJsonAsync(["list-images", "--repository-name", "team/app"], Ct);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal(125, second.ExitCode);
        Assert.Contains($"tag invalid: {Immutable("v1", "team/app")}", second.StandardError, StringComparison.Ordinal);
        Assert.Contains(server.Logs.Requests(), r => r is { Method: "PUT", Path: "/v2/team/app/manifests/v1", Status: 400 });

        // The first push's image is intact and still the only one tagged v1.
        var id = Assert.Single(listed.RootElement.GetProperty("imageIds").EnumerateArray());
        Assert.Equal("v1", id.GetProperty("imageTag").GetString());
    }

    public void Dispose() => _home.Dispose();
}
