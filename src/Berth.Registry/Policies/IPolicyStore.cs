namespace Berth.Registry.Policies;

/// <summary>Inline user policies and repository policies, stored as the text the client sent.</summary>
/// <remarks>Every metadata provider implements this; documents are validated before they get here.</remarks>
public interface IPolicyStore
{
    /// <summary>Creates or replaces a user's inline policy.</summary>
    ValueTask PutUserPolicyAsync(string userName, string policyName, string document, CancellationToken cancellationToken);

    /// <summary>A user's inline policy document, or <see langword="null"/>.</summary>
    ValueTask<string?> FindUserPolicyAsync(string userName, string policyName, CancellationToken cancellationToken);

    /// <summary>A user's inline policies (name and document), in name order.</summary>
    ValueTask<IReadOnlyList<KeyValuePair<string, string>>> ListUserPoliciesAsync(string userName, CancellationToken cancellationToken);

    /// <summary>Deletes a user's inline policy; <see langword="false"/> if it did not exist.</summary>
    ValueTask<bool> DeleteUserPolicyAsync(string userName, string policyName, CancellationToken cancellationToken);

    /// <summary>Sets a repository's policy; <see langword="false"/> if the repository does not exist.</summary>
    ValueTask<bool> SetRepositoryPolicyAsync(string repository, string document, CancellationToken cancellationToken);

    /// <summary>A repository's policy, or <see langword="null"/>.</summary>
    ValueTask<string?> FindRepositoryPolicyAsync(string repository, CancellationToken cancellationToken);

    /// <summary>Deletes a repository's policy; <see langword="false"/> if it had none.</summary>
    ValueTask<bool> DeleteRepositoryPolicyAsync(string repository, CancellationToken cancellationToken);
}
