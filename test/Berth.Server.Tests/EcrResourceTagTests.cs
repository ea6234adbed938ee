using Berth.Testing;

namespace Berth.Server.Tests;

/// <summary>Resource tags on repository ARNs and DescribeRegistry, driven by boto3.</summary>
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

    public void Dispose() => _home.Dispose();

    private static IEnumerable<(string?, string?)> Tags(System.Text.Json.JsonElement result) =>
        result.GetProperty("tags").EnumerateArray().Select(t => (t.GetProperty("Key").GetString(), t.GetProperty("Value").GetString()));
}
