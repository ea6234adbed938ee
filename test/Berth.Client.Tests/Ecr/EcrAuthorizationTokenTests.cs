using System.Text;
using Berth.Client.Ecr;

namespace Berth.Client.Tests.Ecr;

/// <summary>The token decodes exactly as <c>aws ecr get-login-password</c> decodes it (ecr-protocol.md §1.6).</summary>
public sealed class EcrAuthorizationTokenTests
{
    [Fact]
    public void Decode_UserColonPassword_SplitsAtTheColon()
    {
        var token = EcrAuthorizationToken.Decode(B64("AWS:eyJwYXlsb2FkIjoiYWJj"));

        Assert.Equal("AWS", token.UserName);
        Assert.Equal("eyJwYXlsb2FkIjoiYWJj", token.Password);
        Assert.DoesNotContain("eyJwYXlsb2FkIjoiYWJj", token.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AWS")]
    [InlineData("AWS:pass:word")]
    public void Decode_NotExactlyOneColon_Fails(string decoded)
    {
        var error = Assert.Throws<EcrException>(() => EcrAuthorizationToken.Decode(B64(decoded)));

        Assert.Equal("The authorizationToken in the GetAuthorizationToken response does not decode to user:password.", error.Message);
    }

    [Fact]
    public void Decode_NotBase64_Fails()
    {
        Assert.Throws<EcrException>(() => EcrAuthorizationToken.Decode("not base64!"));
    }

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}
