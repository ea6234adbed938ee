namespace Berth.Registry.Lifecycle;

/// <summary>A repository's stored lifecycle policy.</summary>
/// <param name="Text">The policy text exactly as it was put.</param>
/// <param name="LastEvaluatedAt">When enforcement last ran over the repository, if ever.</param>
public sealed record StoredLifecyclePolicy(string Text, DateTimeOffset? LastEvaluatedAt);

/// <summary>Lifecycle policies per repository.</summary>
public interface ILifecycleStore
{
    /// <summary>Stores (replacing) the policy of an existing repository.</summary>
    ValueTask PutLifecyclePolicyAsync(string repository, string text, CancellationToken cancellationToken);

    /// <summary>The repository's policy, if it has one.</summary>
    ValueTask<StoredLifecyclePolicy?> FindLifecyclePolicyAsync(string repository, CancellationToken cancellationToken);

    /// <summary>Removes the policy; <see langword="false"/> if there was none.</summary>
    ValueTask<bool> DeleteLifecyclePolicyAsync(string repository, CancellationToken cancellationToken);

    /// <summary>Records when enforcement last ran over the repository.</summary>
    ValueTask MarkLifecycleEvaluatedAsync(string repository, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Every repository that has a policy, in name order.</summary>
    ValueTask<IReadOnlyList<string>> ListRepositoriesWithLifecyclePolicyAsync(CancellationToken cancellationToken);
}
