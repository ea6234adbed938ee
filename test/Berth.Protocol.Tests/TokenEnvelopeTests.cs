using System.Text;
using Berth.Protocol.Tokens;

namespace Berth.Protocol.Tests;

public sealed class TokenEnvelopeTests
{
    [Fact]
    public void ToPassword_WritesMembersInEcrOrder_CompactAndUnescaped()
    {
        var envelope = new TokenEnvelope("a+b/c=", "AQID+/==", "2", "DATA_KEY", 1732743887);

        var json = Encoding.UTF8.GetString(Convert.FromBase64String(envelope.ToPassword()));

        Assert.Equal("""{"payload":"a+b/c=","datakey":"AQID+/==","version":"2","type":"DATA_KEY","expiration":1732743887}""", json);
        Assert.StartsWith("eyJwYXlsb2FkIjoi", envelope.ToPassword(), StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_RoundTrips() =>
        Assert.Equal(
            new TokenEnvelope("p", "d", "2", "DATA_KEY", 42),
            TokenEnvelope.TryParse(new TokenEnvelope("p", "d", "2", "DATA_KEY", 42).ToPassword()));

    [Theory]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("e30=")] // {}
    [InlineData("eyJwYXlsb2FkIjoicCJ9")] // {"payload":"p"}
    public void TryParse_NotAToken_ReturnsNull(string password) => Assert.Null(TokenEnvelope.TryParse(password));

    [Fact]
    public void TryParse_UnknownMember_ReturnsNull()
    {
        var json = """{"payload":"p","datakey":"d","version":"2","type":"DATA_KEY","expiration":1,"extra":true}""";
        Assert.Null(TokenEnvelope.TryParse(Convert.ToBase64String(Encoding.UTF8.GetBytes(json))));
    }

    [Fact]
    public void BasicCredentials_SplitsAtFirstColon_AndTrimsTrailingNuls()
    {
        var decoded = BasicCredentials.TryDecode(Convert.ToBase64String(Encoding.UTF8.GetBytes("AWS:pa:ss\0\0")));

        Assert.Equal(new BasicCredentials("AWS", "pa:ss"), decoded);
        Assert.Equal("AWS:<redacted>", decoded!.ToString());
    }

    [Theory]
    [InlineData("QVdT")] // "AWS", no colon
    [InlineData("%%%")]
    [InlineData("")]
    public void BasicCredentials_Invalid_ReturnsNull(string encoded) => Assert.Null(BasicCredentials.TryDecode(encoded));
}
