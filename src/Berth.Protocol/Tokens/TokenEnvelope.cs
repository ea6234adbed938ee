using System.Buffers;
using System.Buffers.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Berth.Protocol.Tokens;

/// <summary>The outer, readable layer of an ECR-shaped registry password.</summary>
/// <remarks>
/// The password is standard padded base64 of the compact JSON
/// <c>{"payload":…,"datakey":…,"version":"2","type":"DATA_KEY","expiration":…}</c>, members in that order
/// (DESIGN.md, normative), so it begins <c>eyJwYXlsb2FkIjoi</c> like Amazon ECR's. This type only reads and writes
/// that shape; sealing and opening the inner parts is the server's business.
/// </remarks>
/// <param name="Payload">Base64 of the encrypted claims.</param>
/// <param name="DataKey">Base64 of the wrapped data key.</param>
/// <param name="Version">Always <see cref="CurrentVersion"/>.</param>
/// <param name="Type">Always <see cref="DataKeyType"/>.</param>
/// <param name="Expiration">Unix seconds after which the token is refused.</param>
public sealed record TokenEnvelope(
    [property: JsonPropertyName("payload"), JsonRequired] string Payload,
    [property: JsonPropertyName("datakey"), JsonRequired] string DataKey,
    [property: JsonPropertyName("version"), JsonRequired] string Version,
    [property: JsonPropertyName("type"), JsonRequired] string Type,
    [property: JsonPropertyName("expiration"), JsonRequired] long Expiration)
{
    /// <summary>The only envelope version.</summary>
    public const string CurrentVersion = "2";

    /// <summary>The only envelope type.</summary>
    public const string DataKeyType = "DATA_KEY";

    /// <summary>The username every ECR-style login uses.</summary>
    public const string UserName = "AWS";

    /// <summary>The expiry as a point in time.</summary>
    [JsonIgnore]
    public DateTimeOffset ExpiresAt => DateTimeOffset.FromUnixTimeSeconds(Expiration);

    /// <summary>Encodes the envelope as the password string.</summary>
    public string ToPassword()
    {
        // Compact and unescaped ('+' stays '+'), byte for byte what ECR's tokens look like.
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            JsonSerializer.Serialize(writer, this, TokenJsonContext.Default.TokenEnvelope);
        }

        return Convert.ToBase64String(buffer.WrittenSpan);
    }

    /// <summary>Decodes a password; returns <see langword="null"/> when it is not an ECR-shaped token.</summary>
    /// <remarks>Only the shape is checked here: version, type and expiry are the validator's to judge.</remarks>
    public static TokenEnvelope? TryParse(string? password)
    {
        if (string.IsNullOrEmpty(password) || password.Length > 16 * 1024 || !Base64.IsValid(password, out var length))
        {
            return null;
        }

        var bytes = new byte[length];
        if (!Convert.TryFromBase64String(password, bytes, out var written) || !IsCanonicalBase64(password, bytes.AsSpan(0, written)))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(bytes.AsSpan(0, written), TokenJsonContext.Default.TokenEnvelope);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>True when <paramref name="text"/> is exactly the standard padded encoding of <paramref name="bytes"/>.</summary>
    /// <remarks>Decoders ignore the unused low bits of the last character; refusing non-canonical text means that
    /// every changed character of a token changes what it decodes to.</remarks>
    public static bool IsCanonicalBase64(string text, ReadOnlySpan<byte> bytes) =>
        string.Equals(Convert.ToBase64String(bytes), text, StringComparison.Ordinal);
}

[JsonSourceGenerationOptions(UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(TokenEnvelope))]
internal sealed partial class TokenJsonContext : JsonSerializerContext;
