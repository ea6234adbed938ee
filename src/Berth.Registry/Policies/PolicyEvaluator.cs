using Berth.Registry.Security;
using Microsoft.Extensions.Caching.Memory;

namespace Berth.Registry.Policies;

/// <summary>IAM's evaluation within one account: an explicit Deny in any policy wins; otherwise an Allow in the
/// caller's identity policies or in the repository's policy grants; otherwise the request is denied.</summary>
/// <remarks>
/// <c>ecr:GetAuthorizationToken</c> is allowed to every active user unless a policy denies it explicitly: the token
/// only authenticates (every registry request is authorized on its own), so a user whom only a repository policy
/// grants pull can still log in, which IAM's rule (an identity policy on <c>*</c>) would make impossible.
/// The bootstrap admin (<see cref="Principal.IsAdmin"/>) is the registry's root user: like an AWS account's root user
/// it is not subject to policies at all, so no policy can lock the operator out.
/// Policies are read at request time through a cache that lives <see cref="CacheTtl"/>: a change made on this node
/// applies at once (the writer calls <see cref="Forget"/>), one made on another node within that time.
/// </remarks>
public sealed class PolicyEvaluator : IAccessPolicy, IDisposable
{
    /// <summary>How long a parsed policy is trusted before it is read again.</summary>
    public static readonly TimeSpan CacheTtl = TimeSpan.FromSeconds(2);

    private readonly IPolicyStore _store;
    private readonly RegistryOptions _options;
    private readonly MemoryCache _cache;

    /// <summary>Creates the evaluator.</summary>
    public PolicyEvaluator(IPolicyStore store, RegistryOptions options, TimeProvider time)
    {
        _store = store;
        _options = options;
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = 50_000, Clock = new TimeProviderClock(time) });
    }

    /// <inheritdoc/>
    public async ValueTask<bool> IsAllowedAsync(Principal principal, string action, string resourceArn, CancellationToken cancellationToken)
    {
        if (principal is { IsAdmin: true, IsActive: true })
        {
            return true;
        }

        if (!principal.IsActive)
        {
            return false;
        }

        var principalArn = _options.UserArn(principal.Name);
        var allowed = false;
        foreach (var policy in await UserPoliciesAsync(principal.Name, cancellationToken))
        {
            switch (policy.Evaluate(action, resourceArn, principalArn))
            {
                case PolicyDecision.Deny:
                    return false;
                case PolicyDecision.Allow:
                    allowed = true;
                    break;
            }
        }

        var repository = RepositoryOf(resourceArn);
        if (repository is not null && await RepositoryPolicyAsync(repository, cancellationToken) is { } repositoryPolicy)
        {
            switch (repositoryPolicy.Evaluate(action, resourceArn, principalArn))
            {
                case PolicyDecision.Deny:
                    return false;
                case PolicyDecision.Allow:
                    allowed = true;
                    break;
            }
        }

        return allowed || string.Equals(action, EcrActions.GetAuthorizationToken, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Drops what is cached for a user's policies, so a change applies to the next request.</summary>
    public void ForgetUser(string userName) => _cache.Remove(UserKey(userName));

    /// <summary>Drops what is cached for a repository's policy.</summary>
    public void Forget(string repository) => _cache.Remove(RepositoryKey(repository));

    /// <inheritdoc/>
    public void Dispose() => _cache.Dispose();

    private async ValueTask<IReadOnlyList<PolicyDocument>> UserPoliciesAsync(string userName, CancellationToken cancellationToken)
    {
        var key = UserKey(userName);
        if (_cache.TryGetValue(key, out IReadOnlyList<PolicyDocument>? cached) && cached is not null)
        {
            return cached;
        }

        var stored = await _store.ListUserPoliciesAsync(userName, cancellationToken);
        IReadOnlyList<PolicyDocument> parsed = [.. stored.Select(p => PolicyDocument.Parse(p.Value, PolicyKind.Identity))];
        _cache.Set(key, parsed, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = CacheTtl });
        return parsed;
    }

    private async ValueTask<PolicyDocument?> RepositoryPolicyAsync(string repository, CancellationToken cancellationToken)
    {
        var key = RepositoryKey(repository);
        if (_cache.TryGetValue(key, out PolicyDocument?[]? cached) && cached is not null)
        {
            return cached[0];
        }

        var text = await _store.FindRepositoryPolicyAsync(repository, cancellationToken);
        var parsed = text is null ? null : PolicyDocument.Parse(text, PolicyKind.Repository);

        // Boxed in an array so "no policy" is cached too.
        _cache.Set(key, new[] { parsed }, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = CacheTtl });
        return parsed;
    }

    private string? RepositoryOf(string resourceArn)
    {
        var prefix = _options.RepositoryArn("");
        return resourceArn.StartsWith(prefix, StringComparison.Ordinal) && resourceArn.Length > prefix.Length ? resourceArn[prefix.Length..] : null;
    }

    private static string UserKey(string userName) => "user:" + userName;

    private static string RepositoryKey(string repository) => "repository:" + repository;
}
