using System.Text;

namespace Berth.Client.Ecr;

/// <summary>The decoded <c>authorizationToken</c> of <c>GetAuthorizationToken</c>: <c>base64(user:password)</c>.</summary>
/// <param name="UserName">Always <c>AWS</c> for ECR.</param>
/// <param name="Password">The registry password.</param>
public sealed record EcrAuthorizationToken(string UserName, string Password)
{
    /// <summary>Decodes a token the way <c>aws ecr get-login-password</c> does: standard base64, UTF-8, exactly one <c>:</c>.</summary>
    /// <exception cref="EcrException">The token is not base64 or does not hold exactly one <c>:</c>.</exception>
    public static EcrAuthorizationToken Decode(string authorizationToken)
    {
        ArgumentNullException.ThrowIfNull(authorizationToken);
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Convert.FromBase64String(authorizationToken));
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new EcrException("The authorizationToken in the GetAuthorizationToken response is not base64-encoded UTF-8.", e);
        }

        // The CLI unpacks `_, password = token.split(':')`, so anything but exactly one colon fails there too.
        var parts = text.Split(':');
        if (parts.Length != 2)
        {
            throw new EcrException("The authorizationToken in the GetAuthorizationToken response does not decode to user:password.");
        }

        return new EcrAuthorizationToken(parts[0], parts[1]);
    }

    /// <summary>Keeps the password out of logs and debugger views.</summary>
    public override string ToString() => $"EcrAuthorizationToken {{ UserName = {UserName}, Password = *** }}";
}
