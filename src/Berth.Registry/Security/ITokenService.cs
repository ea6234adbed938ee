namespace Berth.Registry.Security;

/// <summary>A freshly issued registry password and when it stops working.</summary>
/// <param name="Password">The ECR-shaped password (what <c>get-login-password</c> prints).</param>
/// <param name="ExpiresAt">Its expiry.</param>
public sealed record IssuedToken(string Password, DateTimeOffset ExpiresAt)
{
    /// <summary>Never prints the password.</summary>
    public override string ToString() => $"token expiring {ExpiresAt:O}";
}

/// <summary>The identity a valid token carries.</summary>
/// <param name="Principal">The user the token was issued to.</param>
/// <param name="ExpiresAt">When the token expires.</param>
/// <param name="TokenId">The token's unique id.</param>
public sealed record TokenIdentity(Principal Principal, DateTimeOffset ExpiresAt, string TokenId);

/// <summary>Issues and validates ECR-style authorization tokens; expiry is measured with <see cref="TimeProvider"/>.</summary>
public interface ITokenService
{
    /// <summary>Issues a token for <paramref name="key"/>'s owner.</summary>
    IssuedToken Issue(ResolvedAccessKey key);

    /// <summary>Drops what this node has cached about a user and one of its keys, so a change made here applies at once
    /// (other nodes see it when their short cache expires).</summary>
    void Forget(string userName, string? accessKeyId = null);

    /// <summary>Validates a password statelessly.</summary>
    /// <exception cref="RegistryException"><see cref="RegistryError.Unauthorized"/>, <see cref="RegistryError.TokenExpired"/> or <see cref="RegistryError.TokenRevoked"/>.</exception>
    ValueTask<TokenIdentity> ValidateAsync(string password, CancellationToken cancellationToken);
}
