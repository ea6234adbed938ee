using Berth.Testing;

namespace Berth.Server.Tests;

/// <summary>Resource tags on repository ARNs, scanning configuration and DescribeRegistry, driven by boto3.</summary>
public sealed class EcrResourceTagTests(BerthServerFixture fixture) : IClassFixture<BerthServerFixture>, IDisposable
{
    private const string Account = "000000000000";

    private readonly TempDirectory _home = TempDirectory.Create("berth-home-");

    [Fact]
    public async Task TagUntagListTagsForResource_RepositoryArn_KeepsTagsLikeEcrAndRefusesBadOnes()
    {
        var arn = $"arn:aws:ecr:us-east-1:{Account}:repository/tags/app";
        var result = await new Boto3(fixture.Server, _home.Path).RunAsync(
            """
            arn = V["arn"]
            out["create"] = call("create_repository", repositoryName="tags/app", tags=[{"Key": "team", "Value": "blue"}, {"Key": "env", "Value": "dev"}])
            out["initial"] = call("list_tags_for_resource", resourceArn=arn)
            out["tag"] = call("tag_resource", resourceArn=arn, tags=[{"Key": "env", "Value": "prod"}, {"Key": "cost", "Value": ""}])
            out["tagged"] = call("list_tags_for_resource", resourceArn=arn)
            out["untag"] = call("untag_resource", resourceArn=arn, tagKeys=["team", "absent"])
            out["untagged"] = call("list_tags_for_resource", resourceArn=arn)
            out["reserved"] = call("tag_resource", resourceArn=arn, tags=[{"Key": "aws:owner", "Value": "x"}])
            out["tooMany"] = call("tag_resource", resourceArn=arn, tags=[{"Key": "k%d" % i, "Value": "v"} for i in range(49)])
            out["afterRefused"] = call("list_tags_for_resource", resourceArn=arn)
            out["badArn"] = call("list_tags_for_resource", resourceArn="arn:aws:s3:::bucket")
            out["otherAccount"] = call("list_tags_for_resource", resourceArn="arn:aws:ecr:us-east-1:123456789012:repository/tags/app")
            out["missing"] = call("tag_resource", resourceArn=V["missing"], tags=[{"Key": "a", "Value": "b"}])
            call("delete_repository", repositoryName="tags/app", force=True)
            call("create_repository", repositoryName="tags/app")
            out["recreated"] = call("list_tags_for_resource", resourceArn=arn)
            out["registry"] = call("describe_registry")
            """,
            new { arn, missing = $"arn:aws:ecr:us-east-1:{Account}:repository/tags/none" });

        Assert.Equal(arn, result.GetProperty("create").GetProperty("repository").GetProperty("repositoryArn").GetString());
        Assert.Equal([("env", "dev"), ("team", "blue")], Tags(result.GetProperty("initial")));
        Assert.Empty(result.GetProperty("tag").EnumerateObject());
        Assert.Equal([("cost", ""), ("env", "prod"), ("team", "blue")], Tags(result.GetProperty("tagged")));
        Assert.Empty(result.GetProperty("untag").EnumerateObject());
        Assert.Equal([("cost", ""), ("env", "prod")], Tags(result.GetProperty("untagged")));
        EcrImageApiTests.AssertError(result.GetProperty("reserved"), "InvalidTagParameterException", "The tag key 'aws:owner' uses the reserved prefix 'aws:'");
        EcrImageApiTests.AssertError(result.GetProperty("tooMany"), "TooManyTagsException", "A resource can have at most 50 tags");
        Assert.Equal([("cost", ""), ("env", "prod")], Tags(result.GetProperty("afterRefused")));
        EcrImageApiTests.AssertError(result.GetProperty("badArn"), "InvalidParameterException");
        EcrImageApiTests.AssertError(result.GetProperty("otherAccount"), "InvalidParameterException");
        EcrImageApiTests.AssertError(result.GetProperty("missing"), "RepositoryNotFoundException", $"The repository with name 'tags/none' does not exist in the registry with id '{Account}'");
        Assert.Empty(result.GetProperty("recreated").GetProperty("tags").EnumerateArray());
        var registry = result.GetProperty("registry");
        Assert.Equal(Account, registry.GetProperty("registryId").GetString());
        Assert.Empty(registry.GetProperty("replicationConfiguration").GetProperty("rules").EnumerateArray());
    }

    [Fact]
    public async Task ScanningConfiguration_CreatePutBatchGet_StoredAndReportedWithoutAScanner()
    {
        var result = await new Boto3(fixture.Server, _home.Path).RunAsync(
            """
            out["create"] = call("create_repository", repositoryName="scan/on", imageScanningConfiguration={"scanOnPush": True})
            call("create_repository", repositoryName="scan/off")
            out["put"] = call("put_image_scanning_configuration", repositoryName="scan/off", imageScanningConfiguration={"scanOnPush": True})
            out["putBack"] = call("put_image_scanning_configuration", repositoryName="scan/on", imageScanningConfiguration={"scanOnPush": False})
            out["batch"] = call("batch_get_repository_scanning_configuration", repositoryNames=["scan/on", "scan/off", "scan/none"])
            out["described"] = call("describe_repositories", repositoryNames=["scan/off"])
            out["noRepo"] = call("put_image_scanning_configuration", repositoryName="scan/none", imageScanningConfiguration={"scanOnPush": True})
            """);

        Assert.True(result.GetProperty("create").GetProperty("repository").GetProperty("imageScanningConfiguration").GetProperty("scanOnPush").GetBoolean());
        var put = result.GetProperty("put");
        Assert.Equal(Account, put.GetProperty("registryId").GetString());
        Assert.Equal("scan/off", put.GetProperty("repositoryName").GetString());
        Assert.True(put.GetProperty("imageScanningConfiguration").GetProperty("scanOnPush").GetBoolean());
        Assert.False(result.GetProperty("putBack").GetProperty("imageScanningConfiguration").GetProperty("scanOnPush").GetBoolean());
        var batch = result.GetProperty("batch");
        Assert.Equal(
            [($"arn:aws:ecr:us-east-1:{Account}:repository/scan/on", "scan/on", false, "MANUAL"), ($"arn:aws:ecr:us-east-1:{Account}:repository/scan/off", "scan/off", true, "SCAN_ON_PUSH")],
            batch.GetProperty("scanningConfigurations").EnumerateArray().Select(c => (
                c.GetProperty("repositoryArn").GetString(), c.GetProperty("repositoryName").GetString(), c.GetProperty("scanOnPush").GetBoolean(), c.GetProperty("scanFrequency").GetString())));
        var failure = Assert.Single(batch.GetProperty("failures").EnumerateArray());
        Assert.Equal("scan/none", failure.GetProperty("repositoryName").GetString());
        Assert.Equal("REPOSITORY_NOT_FOUND", failure.GetProperty("failureCode").GetString());
        Assert.True(Assert.Single(result.GetProperty("described").GetProperty("repositories").EnumerateArray()).GetProperty("imageScanningConfiguration").GetProperty("scanOnPush").GetBoolean());
        EcrImageApiTests.AssertError(result.GetProperty("noRepo"), "RepositoryNotFoundException");
    }

    public void Dispose() => _home.Dispose();

    private static IEnumerable<(string?, string?)> Tags(System.Text.Json.JsonElement result) =>
        result.GetProperty("tags").EnumerateArray().Select(t => (t.GetProperty("Key").GetString(), t.GetProperty("Value").GetString()));
}
