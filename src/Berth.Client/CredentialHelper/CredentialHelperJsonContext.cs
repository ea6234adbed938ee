using System.Text.Json.Serialization;

namespace Berth.Client.CredentialHelper;

/// <summary>The credentials of the Docker credential-helper protocol, with Go's field names.</summary>
/// <param name="ServerURL">The registry, as the caller named it.</param>
/// <param name="Username">The user name (<c>&lt;token&gt;</c> when <paramref name="Secret"/> is an identity token).</param>
/// <param name="Secret">The password or token.</param>
public sealed record HelperCredentials(
    [property: JsonPropertyName("ServerURL")] string? ServerURL,
    [property: JsonPropertyName("Username")] string? Username,
    [property: JsonPropertyName("Secret")] string? Secret)
{
    /// <summary>Never prints the secret.</summary>
    public override string ToString() => $"{ServerURL}: {Username}:<redacted>";
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true)]
[JsonSerializable(typeof(HelperConfig))]
[JsonSerializable(typeof(RegistryMintSettings))]
[JsonSerializable(typeof(CachedToken))]
[JsonSerializable(typeof(Dictionary<string, HelperCredentials>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class CredentialHelperJsonContext : JsonSerializerContext;

// Go's encoding/json matches field names case-insensitively; the protocol input is read the same way.
[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(HelperCredentials))]
internal sealed partial class HelperProtocolJsonContext : JsonSerializerContext;
