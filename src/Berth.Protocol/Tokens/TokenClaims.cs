using System.Text.Json.Serialization;

namespace Berth.Protocol.Tokens;

/// <summary>The sealed claims inside a token's <c>payload</c>.</summary>
/// <param name="Subject">The principal's ARN.</param>
/// <param name="Account">The registry's account id.</param>
/// <param name="Region">The registry's region.</param>
/// <param name="IssuedAt">Unix seconds when the token was issued.</param>
/// <param name="ExpiresAt">Unix seconds when it expires; must equal the envelope's <c>expiration</c>.</param>
/// <param name="TokenId">A random id, unique per token.</param>
/// <param name="AccessKeyId">The access key that minted the token, so revoking the key revokes its tokens.</param>
/// <param name="IssuedAtMilliseconds">Unix milliseconds when the token was issued: <c>revoke-tokens</c> cuts at a
/// finer grain than <paramref name="IssuedAt"/>, so a token issued just after a revocation works.</param>
public sealed record TokenClaims(
    [property: JsonPropertyName("sub"), JsonRequired] string Subject,
    [property: JsonPropertyName("acct"), JsonRequired] string Account,
    [property: JsonPropertyName("region"), JsonRequired] string Region,
    [property: JsonPropertyName("iat"), JsonRequired] long IssuedAt,
    [property: JsonPropertyName("exp"), JsonRequired] long ExpiresAt,
    [property: JsonPropertyName("jti"), JsonRequired] string TokenId,
    [property: JsonPropertyName("akid")] string? AccessKeyId = null,
    [property: JsonPropertyName("iatms")] long? IssuedAtMilliseconds = null);

/// <summary>Source-generated JSON for <see cref="TokenClaims"/>.</summary>
[JsonSourceGenerationOptions(UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(TokenClaims))]
public sealed partial class TokenClaimsJsonContext : JsonSerializerContext;
