using System.Globalization;
using Berth.Protocol.Ecr;
using Berth.Registry;
using Berth.Registry.Lifecycle;
using Berth.Registry.Metadata;
using Berth.Registry.Security;

namespace Berth.Server.Ecr;

/// <summary>The lifecycle policy operations: put, get, delete, and the preview pair.</summary>
internal static class LifecycleOperations
{
    public static async ValueTask<IResult> PutAsync(EcrCall call)
    {
        var (name, input) = await ReadAsync(call, EcrActions.PutLifecyclePolicy);
        var text = EcrInput.Required(input.LifecyclePolicyText, "lifecyclePolicyText");
        await Service(call).PutAsync(name, text, call.Http.RequestAborted);
        return Respond(new LifecyclePolicyResponse(Account(call), name, text));
    }

    public static async ValueTask<IResult> GetAsync(EcrCall call)
    {
        var (name, _) = await ReadAsync(call, EcrActions.GetLifecyclePolicy);
        var policy = await Service(call).GetAsync(name, call.Http.RequestAborted);
        return Respond(new LifecyclePolicyResponse(Account(call), name, policy.Text, EpochSeconds(policy.LastEvaluatedAt)));
    }

    public static async ValueTask<IResult> DeleteAsync(EcrCall call)
    {
        var (name, _) = await ReadAsync(call, EcrActions.DeleteLifecyclePolicy);
        var policy = await Service(call).DeleteAsync(name, call.Http.RequestAborted);
        return Respond(new LifecyclePolicyResponse(Account(call), name, policy.Text, EpochSeconds(policy.LastEvaluatedAt)));
    }

    public static async ValueTask<IResult> StartPreviewAsync(EcrCall call)
    {
        var (name, input) = await ReadAsync(call, EcrActions.StartLifecyclePolicyPreview);
        var text = await Service(call).StartPreviewAsync(name, input.LifecyclePolicyText, call.Http.RequestAborted);

        // ECR answers IN_PROGRESS and computes later; Berth has already finished, and GetLifecyclePolicyPreview says COMPLETE.
        return Respond(new LifecyclePolicyResponse(Account(call), name, text, Status: "IN_PROGRESS"));
    }

    public static async ValueTask<IResult> GetPreviewAsync(EcrCall call)
    {
        var input = call.Read(EcrLifecycleJsonContext.Default.GetLifecyclePolicyPreviewRequest);
        var name = EcrInput.Required(input.RepositoryName, "repositoryName");
        EcrInput.CheckRegistryId(call, input.RegistryId);
        await EcrInput.AuthorizedRepositoryAsync(call, EcrActions.GetLifecyclePolicyPreview, name);
        var limit = input.MaxResults ?? 100;
        if (limit is < 1 or > 100)
        {
            throw new RegistryException(
                RegistryError.InvalidParameter,
                "Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value less than or equal to 100 and greater than or equal to 1'");
        }

        var preview = Service(call).GetPreview(name);
        var matching = preview.Expiries.Where(Filter(input.Filter?.TagStatus)).ToList();
        var start = StartOf(input.NextToken, matching.Count);
        var page = matching.Skip(start).Take(limit)
            .Select(expiry => new LifecyclePreviewResult(
                expiry.Image.Tags.Order(StringComparer.Ordinal).ToList(),
                expiry.Image.Digest,
                EcrInput.Epoch(expiry.Image.PushedAt),
                new LifecyclePreviewAction("EXPIRE"),
                expiry.Rule.RulePriority))
            .ToList();
        var next = start + page.Count < matching.Count ? EcrInput.EncodeToken(TokenKind, (start + page.Count).ToString(CultureInfo.InvariantCulture)) : null;
        return EcrInput.Json(
            new GetLifecyclePolicyPreviewResponse(
                Account(call), name, preview.PolicyText, "COMPLETE", page, new LifecyclePreviewSummary(matching.Count), next),
            EcrLifecycleJsonContext.Default.GetLifecyclePolicyPreviewResponse);
    }

    private static async ValueTask<(string Name, LifecyclePolicyRequest Input)> ReadAsync(EcrCall call, string action)
    {
        var input = call.Read(EcrLifecycleJsonContext.Default.LifecyclePolicyRequest);
        var name = EcrInput.Required(input.RepositoryName, "repositoryName");
        EcrInput.CheckRegistryId(call, input.RegistryId);
        await EcrInput.AuthorizedRepositoryAsync(call, action, name);
        return (name, input);
    }

    private const string TokenKind = "p1";

    private static Func<LifecycleExpiry, bool> Filter(string? tagStatus) => EcrInput.TagStatusOf(new ImageFilter(tagStatus)) switch
    {
        TagStatus.Tagged => expiry => expiry.Image.Tags.Count > 0,
        TagStatus.Untagged => expiry => expiry.Image.Tags.Count == 0,
        _ => _ => true,
    };

    private static int StartOf(string? token, int count) =>
        EcrInput.DecodeToken(TokenKind, token) is not { } text
            ? 0
            : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var start) && start <= count
                ? start
                : throw new RegistryException(RegistryError.InvalidParameter, "Invalid parameter at 'nextToken': the token is not one this registry issued");

    private static double? EpochSeconds(DateTimeOffset? at) => at is { } time ? EcrInput.Epoch(time) : null;

    private static string Account(EcrCall call) => EcrInput.AccountId(call);

    private static LifecycleService Service(EcrCall call) => call.Http.RequestServices.GetRequiredService<LifecycleService>();

    private static IResult Respond(LifecyclePolicyResponse response) =>
        EcrInput.Json(response, EcrLifecycleJsonContext.Default.LifecyclePolicyResponse);
}
