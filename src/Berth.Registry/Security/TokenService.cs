using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Berth.Protocol.Tokens;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Internal;

namespace Berth.Registry.Security;

/// <summary>Envelope-encrypted, stateless tokens in Amazon ECR's shape.</summary>
/// <remarks>
/// Each token carries a fresh 256-bit data key wrapped by the key ring (<c>datakey</c>) and the claims sealed under
/// that data key (<c>payload</c>); the associated data binds version, type, expiration and datakey, so no outer field
/// can change. Validation needs no database: opened claims are cached by SHA-256 of the token, and the owner's
/// status comes from a cache that lives <see cref="PrincipalCacheTtl"/>, so a disabled user is locked out quickly.
/// The same cache covers revocation: a token fails once its user is deleted or inactive, once the access key that
/// minted it (claim <c>akid</c>) is deleted or inactive, or once it was issued before the user's
/// <see cref="Principal.TokensNotBefore"/> (<c>berth admin revoke-tokens</c>); all within that TTL on every node.
/// </remarks>
public sealed class TokenService : ITokenService, IDisposable
{
    /// <summary>How long a principal's status is trusted before it is read again.</summary>
    public static readonly TimeSpan PrincipalCacheTtl = TimeSpan.FromSeconds(2);

    private const string DataKeyContext = "token-datakey";
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly IKeyRing _ring;
    private readonly IPrincipalStore _principals;
    private readonly RegistryOptions _options;
    private readonly TimeProvider _time;
    private readonly MemoryCache _opened;
    private readonly MemoryCache _users;
    private readonly MemoryCache _keys;

    /// <summary>Creates the service.</summary>
    public TokenService(IKeyRing ring, IPrincipalStore principals, RegistryOptions options, TimeProvider time)
    {
        _ring = ring;
        _principals = principals;
        _options = options;
        _time = time;
        var clock = new TimeProviderClock(time);
        _opened = new MemoryCache(new MemoryCacheOptions { SizeLimit = 10_000, Clock = clock });
        _users = new MemoryCache(new MemoryCacheOptions { SizeLimit = 10_000, Clock = clock });
        _keys = new MemoryCache(new MemoryCacheOptions { SizeLimit = 10_000, Clock = clock });
    }

    /// <inheritdoc/>
    public IssuedToken Issue(ResolvedAccessKey key)
    {
        var now = _time.GetUtcNow();
        var expiration = now.Add(_options.TokenTtl).ToUnixTimeSeconds();
        var claims = new TokenClaims(
            _options.UserArn(key.Principal.Name),
            _options.AccountId,
            _options.Region,
            now.ToUnixTimeSeconds(),
            expiration,
            Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            key.AccessKeyId,
            now.ToUnixTimeMilliseconds());

        var dataKey = RandomNumberGenerator.GetBytes(32);
        try
        {
            var wrapped = Convert.ToBase64String(KeyWrap.Seal(_ring, dataKey, DataKeyContext));
            var plaintext = JsonSerializer.SerializeToUtf8Bytes(claims, TokenClaimsJsonContext.Default.TokenClaims);
            var payload = new byte[NonceSize + plaintext.Length + TagSize];
            RandomNumberGenerator.Fill(payload.AsSpan(0, NonceSize));
            using (var gcm = new AesGcm(dataKey, TagSize))
            {
                gcm.Encrypt(
                    payload.AsSpan(0, NonceSize),
                    plaintext,
                    payload.AsSpan(NonceSize, plaintext.Length),
                    payload.AsSpan(NonceSize + plaintext.Length),
                    AssociatedData(TokenEnvelope.CurrentVersion, TokenEnvelope.DataKeyType, expiration, wrapped));
            }

            var envelope = new TokenEnvelope(Convert.ToBase64String(payload), wrapped, TokenEnvelope.CurrentVersion, TokenEnvelope.DataKeyType, expiration);
            return new IssuedToken(envelope.ToPassword(), DateTimeOffset.FromUnixTimeSeconds(expiration));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <inheritdoc/>
    public async ValueTask<TokenIdentity> ValidateAsync(string password, CancellationToken cancellationToken)
    {
        var envelope = TokenEnvelope.TryParse(password) ?? throw Invalid("the password is not a registry authorization token");
        if (envelope.Version != TokenEnvelope.CurrentVersion || envelope.Type != TokenEnvelope.DataKeyType)
        {
            throw Invalid($"unsupported token version '{envelope.Version}' or type '{envelope.Type}'");
        }

        // Expiry is checked before any crypto: the clock, not the cache, decides.
        if (_time.GetUtcNow().ToUnixTimeSeconds() >= envelope.Expiration)
        {
            throw new RegistryException(
                RegistryError.TokenExpired,
                string.Create(CultureInfo.InvariantCulture, $"token expired at {envelope.ExpiresAt.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}"));
        }

        var cacheKey = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(password)));
        if (!_opened.TryGetValue(cacheKey, out TokenClaims? claims) || claims is null)
        {
            claims = Open(envelope) ?? throw Invalid("the token is not valid for this registry");
            _opened.Set(cacheKey, claims, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpiration = envelope.ExpiresAt });
        }

        var userName = claims.Subject[(claims.Subject.LastIndexOf('/') + 1)..];
        var user = await FindUserAsync(userName, cancellationToken);
        if (user is not { IsActive: true })
        {
            throw Revoked("its user was deleted or deactivated");
        }

        var issuedAt = claims.IssuedAtMilliseconds ?? claims.IssuedAt * 1000;
        if (user.TokensNotBefore is { } notBefore && issuedAt < notBefore.ToUnixTimeMilliseconds())
        {
            throw Revoked("all tokens of its user were revoked");
        }

        if (claims.AccessKeyId is { } keyId && !await IsKeyActiveAsync(keyId, user.Name, cancellationToken))
        {
            throw Revoked("the access key that issued it was deleted or deactivated");
        }

        return new TokenIdentity(user, envelope.ExpiresAt, claims.TokenId);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _opened.Dispose();
        _users.Dispose();
        _keys.Dispose();
    }

    private TokenClaims? Open(TokenEnvelope envelope)
    {
        var wrapped = TryBase64(envelope.DataKey);
        var payload = TryBase64(envelope.Payload);
        if (wrapped is null || payload is null || payload.Length < NonceSize + TagSize)
        {
            return null;
        }

        var dataKey = KeyWrap.Open(_ring, wrapped, DataKeyContext);
        if (dataKey is not { Length: 32 })
        {
            return null;
        }

        var plaintext = new byte[payload.Length - NonceSize - TagSize];
        try
        {
            using var gcm = new AesGcm(dataKey, TagSize);
            gcm.Decrypt(
                payload.AsSpan(0, NonceSize),
                payload.AsSpan(NonceSize, plaintext.Length),
                payload.AsSpan(payload.Length - TagSize),
                plaintext,
                AssociatedData(envelope.Version, envelope.Type, envelope.Expiration, envelope.DataKey));
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }

        TokenClaims? claims;
        try
        {
            claims = JsonSerializer.Deserialize(plaintext, TokenClaimsJsonContext.Default.TokenClaims);
        }
        catch (JsonException)
        {
            return null;
        }

        return claims is not null
            && claims.ExpiresAt == envelope.Expiration
            && claims.Account == _options.AccountId
            && claims.Region == _options.Region
            && claims.Subject.StartsWith(_options.UserArn(""), StringComparison.Ordinal)
            ? claims
            : null;
    }

    /// <inheritdoc/>
    public void Forget(string userName, string? accessKeyId = null)
    {
        _users.Remove(userName);
        if (accessKeyId is not null)
        {
            _keys.Remove(accessKeyId);
        }
    }

    private async ValueTask<Principal?> FindUserAsync(string name, CancellationToken cancellationToken)
    {
        if (_users.TryGetValue(name, out Principal? cached))
        {
            return cached;
        }

        var user = await _principals.FindUserAsync(name, cancellationToken);
        _users.Set(name, user, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = PrincipalCacheTtl });
        return user;
    }

    private async ValueTask<bool> IsKeyActiveAsync(string accessKeyId, string userName, CancellationToken cancellationToken)
    {
        if (_keys.TryGetValue(accessKeyId, out bool active))
        {
            return active;
        }

        var key = await _principals.FindAccessKeyAsync(accessKeyId, cancellationToken);
        active = key is { IsActive: true } && key.UserName == userName;
        _keys.Set(accessKeyId, active, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = PrincipalCacheTtl });
        return active;
    }

    private static byte[]? TryBase64(string value)
    {
        var buffer = new byte[value.Length * 3 / 4];
        return Convert.TryFromBase64String(value, buffer, out var written) && TokenEnvelope.IsCanonicalBase64(value, buffer.AsSpan(0, written))
            ? buffer[..written]
            : null;
    }

    private static byte[] AssociatedData(string version, string type, long expiration, string dataKey) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{version}\n{type}\n{expiration}\n{dataKey}"));

    private static RegistryException Invalid(string detail) => new(RegistryError.Unauthorized, detail);

    // Worded like ECR's expired-token message, which podman and docker print as "denied: …".
    private static RegistryException Revoked(string why) =>
        new(RegistryError.TokenRevoked, $"Your authorization token was revoked: {why}. Reauthenticate and try again.");
}

// MemoryCache predates TimeProvider; this keeps its expiry on the one clock.
#pragma warning disable CS0618 // ISystemClock is the only clock MemoryCache accepts.
internal sealed class TimeProviderClock(TimeProvider time) : ISystemClock
#pragma warning restore CS0618
{
    public DateTimeOffset UtcNow => time.GetUtcNow();
}
