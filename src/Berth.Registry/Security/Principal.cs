namespace Berth.Registry.Security;

/// <summary>An IAM-style user of the registry.</summary>
/// <param name="Name">The user name, unique in the registry.</param>
/// <param name="IsAdmin">The bootstrap admin may do everything.</param>
/// <param name="IsActive">Inactive users' keys and tokens are refused.</param>
/// <param name="CreatedAt">When the user was created.</param>
public sealed record Principal(string Name, bool IsAdmin, bool IsActive, DateTimeOffset CreatedAt)
{
    /// <summary>IAM's stable unique id (<c>AIDA…</c>); a user re-created under the same name gets a new one.</summary>
    public string UserId { get; init; } = "";

    /// <summary>IAM's path (<c>/</c> unless given at creation).</summary>
    public string Path { get; init; } = "/";

    /// <summary>Tokens issued before this instant are refused (<c>berth admin revoke-tokens</c>).</summary>
    public DateTimeOffset? TokensNotBefore { get; init; }
}

/// <summary>A SigV4 access key as stored: its secret is sealed under the key ring.</summary>
/// <param name="AccessKeyId">The public id, <c>AKIA…</c>.</param>
/// <param name="UserName">The owner.</param>
/// <param name="SealedSecret">The secret sealed with <see cref="KeyWrap"/> (context <c>access-key:&lt;id&gt;</c>).</param>
/// <param name="IsActive">Inactive keys are refused.</param>
/// <param name="CreatedAt">When the key was created.</param>
public sealed record StoredAccessKey(string AccessKeyId, string UserName, byte[] SealedSecret, bool IsActive, DateTimeOffset CreatedAt);

/// <summary>Principals and their access keys.</summary>
/// <remarks>Every metadata provider implements this and passes the shared conformance tests.</remarks>
public interface IPrincipalStore
{
    /// <summary>Finds a user, or returns <see langword="null"/>.</summary>
    ValueTask<Principal?> FindUserAsync(string name, CancellationToken cancellationToken);

    /// <summary>Creates a user; returns <see langword="false"/> if the name is taken.</summary>
    ValueTask<bool> CreateUserAsync(Principal principal, CancellationToken cancellationToken);

    /// <summary>Finds an access key, or returns <see langword="null"/>.</summary>
    ValueTask<StoredAccessKey?> FindAccessKeyAsync(string accessKeyId, CancellationToken cancellationToken);

    /// <summary>Adds an access key to an existing user.</summary>
    ValueTask CreateAccessKeyAsync(StoredAccessKey key, CancellationToken cancellationToken);

    /// <summary>Users in name order, after <paramref name="after"/>, at most <paramref name="limit"/>.</summary>
    ValueTask<IReadOnlyList<Principal>> ListUsersAsync(string? after, int limit, CancellationToken cancellationToken);

    /// <summary>Deletes a user that has no access keys and no policies left, atomically with that check.</summary>
    ValueTask<DeleteUserResult> DeleteUserAsync(string name, CancellationToken cancellationToken);

    /// <summary>A user's access keys, oldest first.</summary>
    ValueTask<IReadOnlyList<StoredAccessKey>> ListAccessKeysAsync(string userName, CancellationToken cancellationToken);

    /// <summary>Activates or deactivates a key; <see langword="false"/> if it does not exist.</summary>
    ValueTask<bool> SetAccessKeyActiveAsync(string accessKeyId, bool isActive, CancellationToken cancellationToken);

    /// <summary>Deletes a key; <see langword="false"/> if it did not exist.</summary>
    ValueTask<bool> DeleteAccessKeyAsync(string accessKeyId, CancellationToken cancellationToken);

    /// <summary>Refuses the user's tokens issued before <paramref name="notBefore"/>; <see langword="false"/> if no such user.</summary>
    ValueTask<bool> SetTokensNotBeforeAsync(string userName, DateTimeOffset notBefore, CancellationToken cancellationToken);
}

/// <summary>What <see cref="IPrincipalStore.DeleteUserAsync"/> did.</summary>
public enum DeleteUserResult
{
    /// <summary>The user is gone.</summary>
    Deleted,

    /// <summary>There was no such user.</summary>
    NotFound,

    /// <summary>The user still has access keys.</summary>
    HasAccessKeys,

    /// <summary>The user still has inline policies.</summary>
    HasPolicies,
}
