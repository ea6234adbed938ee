namespace Berth.Registry.Security;

/// <summary>An IAM-style user of the registry.</summary>
/// <param name="Name">The user name, unique in the registry.</param>
/// <param name="IsAdmin">The bootstrap admin may do everything.</param>
/// <param name="IsActive">Inactive users' keys and tokens are refused.</param>
/// <param name="CreatedAt">When the user was created.</param>
public sealed record Principal(string Name, bool IsAdmin, bool IsActive, DateTimeOffset CreatedAt);

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
}
