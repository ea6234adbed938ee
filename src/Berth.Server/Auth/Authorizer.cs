using Berth.Registry;
using Berth.Registry.Audit;
using Berth.Registry.Security;
using Berth.Server.Audit;

namespace Berth.Server.Auth;

/// <summary>Authorizes the current caller for ECR and IAM actions, at request time (policies apply at once).</summary>
internal sealed class Authorizer(IAccessPolicy policy, RegistryOptions options)
{
    public async ValueTask RequireAsync(HttpContext http, string repository, params string[] actions)
    {
        var resource = options.RepositoryArn(repository);
        foreach (var action in actions)
        {
            await RequireResourceAsync(http, action, resource);
        }
    }

    /// <summary>Authorizes <paramref name="action"/> on any resource ARN (or <c>*</c>); denials are AccessDenied with IAM's wording.</summary>
    public async ValueTask RequireResourceAsync(HttpContext http, string action, string resource)
    {
        var principal = http.Features.Get<IRegistryIdentityFeature>()?.Principal
            ?? throw new RegistryException(RegistryError.Unauthorized);
        if (!await policy.IsAllowedAsync(principal, action, resource, http.RequestAborted))
        {
            http.Audit(AuditEvent.AccessDenied, action, resource);
            throw new RegistryException(
                RegistryError.Denied,
                $"User: {options.UserArn(principal.Name)} is not authorized to perform: {action} on resource: {resource}");
        }
    }

    public async ValueTask<bool> IsAllowedAsync(HttpContext http, string repository, string action)
    {
        var principal = http.Features.Get<IRegistryIdentityFeature>()?.Principal;
        return principal is not null && await policy.IsAllowedAsync(principal, action, options.RepositoryArn(repository), http.RequestAborted);
    }
}
