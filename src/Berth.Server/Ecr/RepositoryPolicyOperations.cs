using Berth.Protocol.Ecr;
using Berth.Registry;
using Berth.Registry.Policies;
using Berth.Registry.Security;

namespace Berth.Server.Ecr;

/// <summary><c>SetRepositoryPolicy</c>, <c>GetRepositoryPolicy</c>, <c>DeleteRepositoryPolicy</c>.</summary>
/// <remarks>A repository policy names principals (<c>{"AWS": "arn:aws:iam::…:user/…"}</c> or <c>*</c>) and grants or
/// denies them actions on that repository; the evaluator combines it with the caller's identity policies.</remarks>
internal static class RepositoryPolicyOperations
{
    // ECR's RepositoryPolicyText constraint.
    private const int MaxPolicyLength = 10240;

    public static async ValueTask<IResult> SetAsync(EcrCall call)
    {
        var input = call.Read(EcrRepositoryPolicyJsonContext.Default.SetRepositoryPolicyRequest);
        var name = EcrInput.Required(input.RepositoryName, "repositoryName");
        var text = EcrInput.Required(input.PolicyText, "policyText");
        EcrInput.CheckRegistryId(call, input.RegistryId);
        await call.RequireAsync(EcrActions.SetRepositoryPolicy, name);
        if (text.Length > MaxPolicyLength)
        {
            throw new RegistryException(
                RegistryError.InvalidParameter,
                $"Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Member must have length less than or equal to {MaxPolicyLength}'");
        }

        try
        {
            PolicyDocument.Parse(text, PolicyKind.Repository);
        }
        catch (MalformedPolicyException e)
        {
            throw new RegistryException(
                RegistryError.InvalidParameter,
                $"Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid repository policy provided': {e.Message}");
        }

        // The store writes only where the repository exists, so a missing one is found here.
        if (!await Store(call).SetRepositoryPolicyAsync(name, text, call.Http.RequestAborted))
        {
            throw EcrInput.RepositoryNotFound(call, name);
        }

        Evaluator(call).Forget(name);
        return Json(call, name, text);
    }

    public static async ValueTask<IResult> GetAsync(EcrCall call)
    {
        var name = await PrepareAsync(call, EcrActions.GetRepositoryPolicy);
        var text = await Store(call).FindRepositoryPolicyAsync(name, call.Http.RequestAborted) ?? throw PolicyNotFound(call, name);
        return Json(call, name, text);
    }

    public static async ValueTask<IResult> DeleteAsync(EcrCall call)
    {
        var name = await PrepareAsync(call, EcrActions.DeleteRepositoryPolicy);
        var store = Store(call);
        var text = await store.FindRepositoryPolicyAsync(name, call.Http.RequestAborted) ?? throw PolicyNotFound(call, name);
        if (!await store.DeleteRepositoryPolicyAsync(name, call.Http.RequestAborted))
        {
            throw PolicyNotFound(call, name);
        }

        Evaluator(call).Forget(name);
        return Json(call, name, text);
    }

    // Get and Delete: read the input, authorize, and make sure the repository exists.
    private static async ValueTask<string> PrepareAsync(EcrCall call, string action)
    {
        var input = call.Read(EcrRepositoryPolicyJsonContext.Default.RepositoryPolicyRequest);
        var name = EcrInput.Required(input.RepositoryName, "repositoryName");
        EcrInput.CheckRegistryId(call, input.RegistryId);
        await EcrInput.AuthorizedRepositoryAsync(call, action, name);
        return name;
    }

    private static IResult Json(EcrCall call, string name, string text) =>
        EcrInput.Json(new RepositoryPolicyResponse(EcrInput.AccountId(call), name, text), EcrRepositoryPolicyJsonContext.Default.RepositoryPolicyResponse);

    private static IPolicyStore Store(EcrCall call) => call.Http.RequestServices.GetRequiredService<IPolicyStore>();

    private static PolicyEvaluator Evaluator(EcrCall call) => call.Http.RequestServices.GetRequiredService<PolicyEvaluator>();

    private static RegistryException PolicyNotFound(EcrCall call, string name) =>
        new(RegistryError.RepositoryPolicyNotFound, $"Repository policy does not exist for the repository with name '{name}' in the registry with id '{EcrInput.AccountId(call)}'");
}
