using System.Security.Cryptography;
using System.Text;

namespace Berth.Registry.Security;

/// <summary>An access key with its secret in the clear; exists only while a request is verified or a key is handed out.</summary>
/// <param name="AccessKeyId">The public id.</param>
/// <param name="SecretAccessKey">The secret.</param>
/// <param name="Principal">The owner.</param>
public sealed record ResolvedAccessKey(string AccessKeyId, string SecretAccessKey, Principal Principal)
{
    /// <summary>Never prints the secret.</summary>
    public override string ToString() => $"{AccessKeyId} ({Principal.Name})";
}

/// <summary>Creates access keys and resolves them for SigV4 verification.</summary>
/// <param name="store">Where keys live (secrets sealed).</param>
/// <param name="ring">The key ring that seals the secrets.</param>
/// <param name="time">The clock.</param>
public sealed class AccessKeys(IPrincipalStore store, IKeyRing ring, TimeProvider time)
{
    private const string Base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private const string SecretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /// <summary>Creates a new active key for <paramref name="owner"/> and returns it with its secret, once.</summary>
    public async ValueTask<ResolvedAccessKey> CreateAsync(Principal owner, CancellationToken cancellationToken)
    {
        // Same shapes as AWS: 20-character AKIA… ids and 40-character secrets.
        var id = "AKIA" + RandomNumberGenerator.GetString(Base32, 16);
        var secret = RandomNumberGenerator.GetString(SecretAlphabet, 40);
        var sealedSecret = KeyWrap.Seal(ring, Encoding.UTF8.GetBytes(secret), Context(id));
        await store.CreateAccessKeyAsync(new StoredAccessKey(id, owner.Name, sealedSecret, true, time.GetUtcNow()), cancellationToken);
        return new ResolvedAccessKey(id, secret, owner);
    }

    /// <summary>Resolves an active key of an active user; <see langword="null"/> for anything else.</summary>
    public async ValueTask<ResolvedAccessKey?> ResolveAsync(string accessKeyId, CancellationToken cancellationToken)
    {
        var key = await store.FindAccessKeyAsync(accessKeyId, cancellationToken);
        if (key is not { IsActive: true })
        {
            return null;
        }

        var user = await store.FindUserAsync(key.UserName, cancellationToken);
        var secret = KeyWrap.Open(ring, key.SealedSecret, Context(key.AccessKeyId));
        return user is { IsActive: true } && secret is not null
            ? new ResolvedAccessKey(key.AccessKeyId, Encoding.UTF8.GetString(secret), user)
            : null;
    }

    private static string Context(string accessKeyId) => "access-key:" + accessKeyId;
}
