using System.Text;
using Berth.Client.Ecr;

namespace Berth.Client.Tests.Ecr;

/// <summary>Error bodies parse like botocore's BaseJSONParser (ecr-protocol.md §1.7).</summary>
public sealed class EcrErrorTests
{
    [Fact]
    public void Parse_NamespacedTypeAndCapitalizedMessage_TakesPartAfterHashAndMessage()
    {
        var error = Parse(400, """{"__type":"com.amazonaws.ecr#RepositoryNotFoundException","Message":"The repository with name 'foo' does not exist in the registry with id '123456789012'"}""");

        Assert.Equal(new EcrError("RepositoryNotFoundException", "The repository with name 'foo' does not exist in the registry with id '123456789012'"), error);
    }

    [Fact]
    public void Parse_TypeWithColonSuffix_CutsAtTheColonFirst()
    {
        var error = Parse(400, """{"__type":"com.amazon.coral.service#UnrecognizedClientException:http://internal.amazon.com/coral/com.amazon.coral.service/","message":"The security token included in the request is invalid."}""");

        Assert.Equal("UnrecognizedClientException", error.Code);
        Assert.Equal("The security token included in the request is invalid.", error.Message);
    }

    [Fact]
    public void Parse_LowercaseMessageAndCapitalized_LowercaseWins()
    {
        Assert.Equal("lower", Parse(400, """{"__type":"X","message":"lower","Message":"upper"}""").Message);
    }

    [Fact]
    public void Parse_NoType_CodeIsTheHttpStatus()
    {
        Assert.Equal(new EcrError("403", "Forbidden"), Parse(403, """{"message":"Forbidden"}"""));
    }

    [Fact]
    public void Parse_EmptyBody_StatusAndEmptyMessage()
    {
        Assert.Equal(new EcrError("500", ""), Parse(500, ""));
    }

    [Fact]
    public void Parse_NotJson_BodyBecomesOneLineMessage()
    {
        Assert.Equal(new EcrError("502", "<html> <h1>502 Bad Gateway</h1> </html>"), Parse(502, "<html>\r\n<h1>502 Bad Gateway</h1>\n</html>\n"));
    }

    private static EcrError Parse(int status, string body) => EcrError.Parse(status, Encoding.UTF8.GetBytes(body));
}
