using Berth.Protocol.Ecr;
using Berth.Registry;
using Berth.Registry.Repositories;
using Berth.Registry.Security;
using Berth.Server.Auth;

namespace Berth.Server.Ecr;

/// <summary><c>TagResource</c>, <c>UntagResource</c>, <c>ListTagsForResource</c> (repository ARNs) and <c>DescribeRegistry</c>.</summary>
internal static class RegistryOperations
{
    public static async ValueTask<IResult> TagResourceAsync(EcrCall call)
    {
        var input = call.Read(EcrRegistryJsonContext.Default.TagResourceRequest);
        var name = RepositoryOf(call, input.ResourceArn);
        var tags = ResourceTags(EcrInput.Count(input.Tags, "tags", 0, 200));
        await call.RequireAsync(EcrActions.TagResource, name);
        await Service(call).TagAsync(name, tags, call.Http.RequestAborted);
        return EcrInput.Json(new EmptyResponse(), EcrRegistryJsonContext.Default.EmptyResponse);
    }

    public static async ValueTask<IResult> UntagResourceAsync(EcrCall call)
    {
        var input = call.Read(EcrRegistryJsonContext.Default.UntagResourceRequest);
        var name = RepositoryOf(call, input.ResourceArn);
        var keys = EcrInput.Count(input.TagKeys, "tagKeys", 0, 200);
        await call.RequireAsync(EcrActions.UntagResource, name);
        await Service(call).UntagAsync(name, keys, call.Http.RequestAborted);
        return EcrInput.Json(new EmptyResponse(), EcrRegistryJsonContext.Default.EmptyResponse);
    }

    public static async ValueTask<IResult> ListTagsForResourceAsync(EcrCall call)
    {
        var input = call.Read(EcrRegistryJsonContext.Default.ListTagsForResourceRequest);
        var name = RepositoryOf(call, input.ResourceArn);
        await call.RequireAsync(EcrActions.ListTagsForResource, name);
        var tags = await Service(call).ListResourceTagsAsync(name, call.Http.RequestAborted);
        return EcrInput.Json(
            new ListTagsForResourceResponse([.. tags.Select(t => new ResourceTag(t.Key, t.Value))]),
            EcrRegistryJsonContext.Default.ListTagsForResourceResponse);
    }

    public static async ValueTask<IResult> DescribeRegistryAsync(EcrCall call)
    {
        var services = call.Http.RequestServices;
        var options = services.GetRequiredService<RegistryOptions>();
        await services.GetRequiredService<Authorizer>().RequireResourceAsync(call.Http, EcrActions.DescribeRegistry, "*");

        // Berth replicates nowhere, so the configuration has no rules.
        return EcrInput.Json(new DescribeRegistryResponse(options.AccountId, new ReplicationConfiguration([])), EcrRegistryJsonContext.Default.DescribeRegistryResponse);
    }

    /// <summary>CreateRepository's <c>tags</c> and TagResource's: keys and values present (ECR validates the rest).</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ResourceTags(IReadOnlyList<ResourceTag> tags) =>
        [.. tags.Select(t => KeyValuePair.Create(
            t.Key ?? throw new RegistryException(RegistryError.InvalidTagParameter, "Every tag needs a Key"),
            t.Value ?? throw new RegistryException(RegistryError.InvalidTagParameter, $"The tag '{t.Key}' needs a Value")))];

    // Only repositories carry tags; their ARNs are arn:aws:ecr:<region>:<account>:repository/<name>.
    private static string RepositoryOf(EcrCall call, string? arn)
    {
        var text = EcrInput.Required(arn, "resourceArn");
        var prefix = call.Http.RequestServices.GetRequiredService<RegistryOptions>().RepositoryArn("");
        var name = text.StartsWith(prefix, StringComparison.Ordinal) ? text[prefix.Length..] : null;
        return name is not null && Protocol.RepositoryName.IsValid(name)
            ? name
            : throw new RegistryException(RegistryError.InvalidParameter, $"Invalid parameter at 'resourceArn' failed to satisfy constraint: 'Invalid ARN: expected {prefix}<repository-name>, got {text}'");
    }

    private static RepositoryService Service(EcrCall call) => call.Http.RequestServices.GetRequiredService<RepositoryService>();
}
