using System.Text;

namespace Berth.Protocol.Tokens;

/// <summary>A <c>username:password</c> pair as carried by HTTP Basic auth and auth.json's <c>auth</c> field.</summary>
/// <param name="UserName">The user name (for ECR-style logins always <c>AWS</c>).</param>
/// <param name="Password">The password.</param>
public sealed record BasicCredentials(string UserName, string Password)
{
    /// <summary>Standard padded base64 of <c>user:password</c>.</summary>
    public string Encode() => Convert.ToBase64String(Encoding.UTF8.GetBytes(UserName + ":" + Password));

    /// <summary>Decodes base64 <c>user:password</c>, splitting at the first <c>:</c> as containers/image does.</summary>
    /// <returns><see langword="null"/> when the value is not base64 or holds no <c>:</c>.</returns>
    public static BasicCredentials? TryDecode(string? encoded)
    {
        if (string.IsNullOrWhiteSpace(encoded))
        {
            return null;
        }

        var buffer = new byte[(encoded.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(encoded.Trim(), buffer, out var written))
        {
            return null;
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer, 0, written);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? null : new BasicCredentials(text[..colon], text[(colon + 1)..].TrimEnd('\0'));
    }

    /// <summary>Never prints the password.</summary>
    public override string ToString() => $"{UserName}:<redacted>";
}
