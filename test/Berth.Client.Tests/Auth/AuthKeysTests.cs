using Berth.Client.Auth;

namespace Berth.Client.Tests.Auth;

public sealed class AuthKeysTests
{
    [Theory]
    [InlineData("127.0.0.1:5000", "127.0.0.1:5000", "127.0.0.1:5000")]
    [InlineData("registry.example.com", "registry.example.com", "registry.example.com")]
    [InlineData("https://registry.example.com:5000/v2/", "registry.example.com:5000", "registry.example.com:5000")]
    [InlineData("http://127.0.0.1:5000", "127.0.0.1:5000", "127.0.0.1:5000")]
    [InlineData("https://user@registry.example.com/x?y#z", "registry.example.com", "registry.example.com")]
    [InlineData("127.0.0.1:5000/team/app", "127.0.0.1:5000/team/app", "127.0.0.1:5000")]
    [InlineData("localhost/a_b/c-d/e.f", "localhost/a_b/c-d/e.f", "localhost")]
    public void Parse_ValidArgument_GivesKeyAndRegistry(string argument, string key, string registry)
    {
        var parsed = AuthKeys.Parse(argument);

        Assert.Equal(new RegistryKey(key, registry), parsed);
        Assert.Equal(key != registry, parsed.IsNamespaced);
    }

    [Theory]
    [InlineData("127.0.0.1:5000/team/app:v1")]
    [InlineData("127.0.0.1:5000/team/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    public void Parse_TagOrDigest_IsRefusedWithPodmansText(string argument)
    {
        var error = Assert.Throws<AuthFileException>(() => AuthKeys.Parse(argument));

        Assert.Equal($"reference \"{argument}\" contains tag or digest", error.Message);
    }

    [Fact]
    public void Parse_UppercaseRepository_IsRefused()
    {
        var error = Assert.Throws<AuthFileException>(() => AuthKeys.Parse("127.0.0.1:5000/Team/App"));

        Assert.Equal("parse reference from \"127.0.0.1:5000/Team/App\": invalid reference format: repository name must be lowercase", error.Message);
    }

    [Theory]
    [InlineData("127.0.0.1:5000/team//app")]
    [InlineData("127.0.0.1:5000/team/app/")]
    [InlineData("127.0.0.1:5000/te am")]
    public void Parse_MalformedRepository_IsRefused(string argument)
    {
        var error = Assert.Throws<AuthFileException>(() => AuthKeys.Parse(argument));

        Assert.Equal($"parse reference from \"{argument}\": invalid reference format", error.Message);
    }

    [Theory]
    [InlineData("https://host:5000", "key https://host:5000 contains http[s]:// prefix")]
    [InlineData("http://host", "key http://host contains http[s]:// prefix")]
    [InlineData("host/repo@sha256:abc", "key host/repo@sha256:abc contains a '@' character")]
    [InlineData("host/repo:tag", "key host/repo:tag contains a ':' character after host[:port]")]
    public void Validate_ForbiddenKey_IsRefusedWithContainersImageText(string key, string message)
    {
        var error = Assert.Throws<AuthFileException>(() => AuthKeys.Validate(key));

        Assert.Equal(message, error.Message);
    }

    [Theory]
    [InlineData("host:5000", false)]
    [InlineData("host:5000/ns/repo", true)]
    public void Validate_AllowedKey_TellsWhetherNamespaced(string key, bool namespaced) =>
        Assert.Equal(namespaced, AuthKeys.Validate(key));

    [Fact]
    public void LookupOrder_NamespacedKey_GoesFromRepositoryToHost() =>
        Assert.Equal(["h:1/a/b/c", "h:1/a/b", "h:1/a", "h:1"], AuthKeys.LookupOrder("h:1/a/b/c"));

    [Theory]
    [InlineData("https://host:5000/v1/", false, "host:5000")]
    [InlineData("http://host", false, "host")]
    [InlineData("host/ns", false, "host/ns")]
    [InlineData("host/ns", true, "host")]
    [InlineData("https://index.docker.io/v1/", false, "index.docker.io")]
    [InlineData("docker.io", false, "index.docker.io")]
    [InlineData("registry-1.docker.io", false, "index.docker.io")]
    public void NormalizeFileKey_LegacyKeys_MapToTheirHost(string key, bool legacy, string expected) =>
        Assert.Equal(expected, AuthKeys.NormalizeFileKey(key, legacy));
}
