using Berth.Client.CredentialHelper;
using Berth.Testing;

namespace Berth.Client.Tests.CredentialHelper;

public sealed class CredentialHelperPartsTests : IDisposable
{
    private readonly TempDirectory _directory = TempDirectory.Create("berth-helper-parts-");

    [Theory]
    [InlineData("123456789012.dkr.ecr.eu-west-1.amazonaws.com", "123456789012", "eu-west-1")]
    [InlineData("123456789012.dkr.ecr.eu-west-1.amazonaws.com:443", "123456789012", "eu-west-1")]
    [InlineData("123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com", "123456789012", "us-gov-west-1")]
    [InlineData("123456789012.dkr-ecr.cn-north-1.on.amazonwebservices.com.cn", "123456789012", "cn-north-1")]
    public void EcrRegistryHost_EcrNames_GiveAccountAndRegion(string host, string account, string region) =>
        Assert.Equal(new EcrRegistryHost(account, region), EcrRegistryHost.TryParse(host));

    [Theory]
    [InlineData("127.0.0.1:5000")]
    [InlineData("registry.example.com")]
    [InlineData("12345678901.dkr.ecr.eu-west-1.amazonaws.com")]
    [InlineData("123456789012.dkr.ecr.eu-west-1.amazonaws.com.evil.example")]
    public void EcrRegistryHost_OtherNames_AreNotEcr(string host) => Assert.Null(EcrRegistryHost.TryParse(host));

    [Theory]
    [InlineData(0.5, 1_000 + 21_600)]
    [InlineData(0.25, 1_000 + 32_400)]
    [InlineData(0.0, 1_000 + 43_200)]
    [InlineData(1.0, 1_000)]
    public void CachedToken_RefreshAt_IsWhenTheShareOfLifetimeLeftRunsOut(double share, long expected)
    {
        var token = new CachedToken("r", "p", "http://e/", "QVdTOng=", 1_000, 1_000 + 43_200, null);

        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(expected), token.RefreshAt(share));
    }

    [Fact]
    public void TokenCache_WritesPrivateFiles_ReadsThemBack_AndTreatsGarbageAsAMiss()
    {
        var cache = new TokenCache(_directory.Combine("cache", "tokens"));
        var token = new CachedToken("host:5000", "ci/role", "http://e/", "QVdTOng=", 1, 2, "https://host:5000");

        cache.Write(token);
        var path = cache.PathFor("host:5000", "ci/role");
        var roundTrip = cache.Read("host:5000", "ci/role");
        File.WriteAllText(cache.PathFor("other", "default"), "{torn");

        Assert.Equal(token, roundTrip);
        Assert.Equal("host_3a5000@ci_2frole.json", Path.GetFileName(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(cache.Directory));
        Assert.Null(cache.Read("other", "default"));
        Assert.Null(cache.Read("host:5000", "default"));
        Assert.Equal([token], cache.ReadAll());
        Assert.True(cache.RemoveRegistry("host:5000"));
        Assert.Null(cache.Read("host:5000", "ci/role"));
    }

    [Theory]
    [InlineData("{\"refreshWhenRemaining\": 1.5}", "refreshWhenRemaining must be between 0 and 1")]
    [InlineData("{\"attempts\": 0}", "attempts at least 1")]
    [InlineData("{\"registries\": {\"h\": {\"endpoint\": 3}}}", "is not a valid berth configuration")]
    [InlineData("not json", "is not a valid berth configuration")]
    public void HelperConfig_InvalidFile_NamesTheFileAndTheProblem(string text, string expected)
    {
        var path = _directory.Combine("config.json");
        File.WriteAllText(path, text);

        var error = Assert.Throws<CredentialHelperException>(() => HelperConfig.Load(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void HelperConfig_SetRegistry_KeepsOtherMembers_AndMissingFileIsTheDefault()
    {
        var path = _directory.Combine("berth", "config.json");
        Assert.Equal(0.5, HelperConfig.Load(path).RefreshWhenRemaining);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "{\"refreshWhenRemaining\": 0.2, \"registries\": {\"a\": {\"region\": \"eu-west-1\"}}}");

        HelperConfig.SetRegistry(path, "b:5000", new RegistryMintSettings("http://b:5000"));
        var config = HelperConfig.Load(path);

        Assert.Equal(0.2, config.RefreshWhenRemaining);
        Assert.Equal(new RegistryMintSettings(Region: "eu-west-1"), config.For("a"));
        Assert.Equal(new RegistryMintSettings("http://b:5000"), config.For("b:5000"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Theory]
    [InlineData("https://index.docker.io/v1/", "index.docker.io")]
    [InlineData("http://host:5000", "host:5000")]
    [InlineData("host:5000", "host:5000")]
    public void StoredCredentials_KeyOf_IsTheHostOfAUrl(string serverUrl, string key) => Assert.Equal(key, StoredCredentials.KeyOf(serverUrl));

    public void Dispose() => _directory.Dispose();
}
