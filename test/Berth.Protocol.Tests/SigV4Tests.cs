using Berth.Protocol.Aws;

namespace Berth.Protocol.Tests;

/// <summary>The vectors of ecr-protocol.md §3, captured from aws-cli 1.45.11 and re-derived.</summary>
public sealed class SigV4Tests
{
    private const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string Target = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken";
    private const string BodyHash = "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

    [Fact]
    public void HexSha256_EmptyJsonObjectBody_MatchesVector() =>
        Assert.Equal(BodyHash, SigV4.HexSha256("{}"u8));

    [Fact]
    public void CanonicalRequest_Vector1_MatchesCapturedTextAndHash()
    {
        var canonical = Canonical("20261203T123523Z", token: null);

        Assert.Equal(
            "POST\n/\n\ncontent-type:application/x-amz-json-1.1\nhost:127.0.0.1:18080\nx-amz-date:20261203T123523Z\n"
            + $"x-amz-target:{Target}\n\ncontent-type;host;x-amz-date;x-amz-target\n{BodyHash}",
            canonical);
        Assert.Equal("1ba4492bdf81382c811a233068d450ed1a05d228fa1ec5dcc1cfa7a8317bbdce", SigV4.HexSha256(System.Text.Encoding.UTF8.GetBytes(canonical)));
    }

    [Theory]
    [InlineData("20261203T123523Z", null, "3cf9fc7f9d3f35596713574c61fb147a0a5f29097cfd9ad01a22c7bc741ec7b5")]
    [InlineData("20261203T123539Z", "FQoGZXIvYXdzEXAMPLE", "0f35db3a51d234f7c17ca6705d41a3bbb9dc3a4a47c034f965e7130ca4c2b90f")]
    public void Sign_CapturedVectors_ReproduceTheCliSignature(string amzDate, string? token, string expected)
    {
        var scope = new CredentialScope(amzDate[..8], "us-east-1", "ecr");

        var signature = SigV4.Sign(Secret, scope, SigV4.StringToSign(amzDate, scope, Canonical(amzDate, token)));

        Assert.Equal(expected, signature);
    }

    [Fact]
    public void Sign_OtherSecret_GivesOtherSignature()
    {
        var scope = new CredentialScope("20261203", "us-east-1", "ecr");
        var stringToSign = SigV4.StringToSign("20261203T123523Z", scope, Canonical("20261203T123523Z", null));

        Assert.NotEqual(SigV4.Sign(Secret, scope, stringToSign), SigV4.Sign(Secret + "x", scope, stringToSign));
    }

    [Fact]
    public void CanonicalRequest_HeaderValues_AreTrimmedAndInnerWhitespaceCollapsed()
    {
        var canonical = SigV4.CanonicalRequest(
            "get", "/a/./b/../c", [new("b", "2 3"), new("a", "1")],
            [new("x-custom", ["  one   two\t three  ", "four"])], SigV4.EmptyPayloadHash);

        Assert.Equal($"GET\n/a/c\na=1&b=2%203\nx-custom:one two three,four\n\nx-custom\n{SigV4.EmptyPayloadHash}", canonical);
    }

    [Theory]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261203/us-east-1/ecr/aws4_request, SignedHeaders=host;x-amz-date, Signature=3cf9fc7f9d3f35596713574c61fb147a0a5f29097cfd9ad01a22c7bc741ec7b5")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261203/us-east-1/ecr/aws4_request,SignedHeaders=host;x-amz-date,Signature=3cf9fc7f9d3f35596713574c61fb147a0a5f29097cfd9ad01a22c7bc741ec7b5")]
    public void Authorization_TryParse_AcceptsCommaWithOrWithoutSpace(string header)
    {
        var parsed = SigV4Authorization.TryParse(header);

        Assert.NotNull(parsed);
        Assert.Equal("AKIDEXAMPLE", parsed.AccessKeyId);
        Assert.Equal(new CredentialScope("20261203", "us-east-1", "ecr"), parsed.Scope);
        Assert.Equal("host;x-amz-date", parsed.SignedHeaders);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Basic QVdTOng=")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKID/20261203/us-east-1/ecr, SignedHeaders=host, Signature=3cf9fc7f9d3f35596713574c61fb147a0a5f29097cfd9ad01a22c7bc741ec7b5")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKID/20261203/us-east-1/ecr/aws4_request, SignedHeaders=host, Signature=XYZ")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKID/20261203/us-east-1/ecr/aws4_request, Signature=3cf9fc7f9d3f35596713574c61fb147a0a5f29097cfd9ad01a22c7bc741ec7b5")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKID/20261203/us-east-1/ecr/aws4_request, SignedHeaders=host, Signature=3cf9fc7f9d3f35596713574c61fb147a0a5f29097cfd9ad01a22c7bc741ec7b5, Extra=1")]
    public void Authorization_TryParse_RejectsMalformed(string header) =>
        Assert.Null(SigV4Authorization.TryParse(header));

    private static string Canonical(string amzDate, string? token)
    {
        var headers = new List<KeyValuePair<string, IReadOnlyList<string>>>
        {
            new("content-type", ["application/x-amz-json-1.1"]),
            new("host", ["127.0.0.1:18080"]),
            new("x-amz-date", [amzDate]),
        };
        if (token is not null)
        {
            headers.Add(new("x-amz-security-token", [token]));
        }

        headers.Add(new("x-amz-target", [Target]));
        return SigV4.CanonicalRequest("POST", "/", [], headers, SigV4.HexSha256("{}"u8));
    }
}
