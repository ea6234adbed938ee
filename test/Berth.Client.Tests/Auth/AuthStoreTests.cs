using System.Text.Json.Nodes;
using Berth.Client.Auth;
using Berth.Protocol.Tokens;
using Berth.Testing;

namespace Berth.Client.Tests.Auth;

public sealed class AuthStoreTests : IDisposable
{
    private readonly TempDirectory _home = TempDirectory.Create();
    private readonly TempDirectory _runtime = TempDirectory.Create();

    private string Primary => Path.Combine(_runtime.Path, "containers", "auth.json");

    private string UserConfig => Path.Combine(_home.Path, ".config", "containers", "auth.json");

    private string DockerConfig => Path.Combine(_home.Path, ".docker", "config.json");

    private string LegacyDockercfg => Path.Combine(_home.Path, ".dockercfg");

    public void Dispose()
    {
        _home.Dispose();
        _runtime.Dispose();
    }

    [Fact]
    public void Find_OnlyInDockerConfig_FallsBackAndNamesTheSource()
    {
        Write(DockerConfig, """{"auths":{"h:5000":{"auth":"QVdTOmRvY2tlcg=="}}}""");

        var found = Store().Find("h:5000");

        Assert.NotNull(found);
        Assert.Equal(DockerConfig, found.Source);
        Assert.Equal(new BasicCredentials("AWS", "docker"), found.Credentials);
        Assert.Equal("AWS", found.UserName);
    }

    [Fact]
    public void Find_InSeveralFiles_ThePrimaryWinsThenUserConfig()
    {
        Write(Primary, """{"auths":{"h:5000":{"auth":"QVdTOnByaW1hcnk="}}}""");
        Write(UserConfig, """{"auths":{"h:5000":{"auth":"QVdTOnVzZXI="}}}""");
        Write(DockerConfig, """{"auths":{"h:5000":{"auth":"QVdTOmRvY2tlcg=="}}}""");

        Assert.Equal("primary", Store().Find("h:5000")!.Credentials!.Password);
        File.Delete(Primary);
        Assert.Equal("user", Store().Find("h:5000")!.Credentials!.Password);
    }

    [Fact]
    public void Find_LegacyDockercfg_IsReadAsATopLevelMapWithUrlKeys()
    {
        Write(LegacyDockercfg, """{"https://h:5000/v1/":{"auth":"QVdTOmxlZ2FjeQ==","email":"x@example.com"}}""");

        var found = Store().Find("h:5000");

        Assert.NotNull(found);
        Assert.Equal(LegacyDockercfg, found.Source);
        Assert.Equal("https://h:5000/v1/", found.Key);
        Assert.Equal("legacy", found.Credentials!.Password);
    }

    [Fact]
    public void Find_UrlKeyInDockerConfig_MatchesByNormalizedHost()
    {
        Write(DockerConfig, """{"auths":{"https://h:5000":{"auth":"QVdTOnVybA=="}}}""");

        Assert.Equal("url", Store().Find("h:5000/team/app")!.Credentials!.Password);
    }

    [Fact]
    public void Find_NamespacedKeys_MostSpecificEntryWinsThenTheHost()
    {
        Write(Primary, """{"auths":{"h:5000":{"auth":"QVdTOmhvc3Q="},"h:5000/team":{"auth":"QVdTOnRlYW0="},"h:5000/team/app":{"auth":"QVdTOmFwcA=="}}}""");
        var store = Store();

        Assert.Equal("app", store.Find("h:5000/team/app")!.Credentials!.Password);
        Assert.Equal("team", store.Find("h:5000/team/other")!.Credentials!.Password);
        Assert.Equal("h:5000/team", store.Find("h:5000/team/other")!.Key);
        Assert.Equal("host", store.Find("h:5000/else")!.Credentials!.Password);
        Assert.Null(store.Find("other:5000"));
    }

    [Fact]
    public void Find_DockersEmptyHelperMarker_IsSkippedForTheNextFile()
    {
        Write(Primary, """{"auths":{"h:5000":{}}}""");
        Write(DockerConfig, """{"auths":{"h:5000":{"auth":"QVdTOmRvY2tlcg=="}}}""");

        Assert.Equal(DockerConfig, Store().Find("h:5000")!.Source);
    }

    [Fact]
    public void Find_CredHelperForTheRegistry_WinsInThatFile()
    {
        Write(Primary, """{"auths":{"h:5000":{"auth":"QVdTOnByaW1hcnk="}},"credHelpers":{"h:5000":"ecr-login"}}""");

        var found = Store().Find("h:5000/team/app");

        Assert.Equal("ecr-login", found!.CredentialHelper);
        Assert.Null(found.Credentials);
    }

    [Fact]
    public void Find_IdentityToken_IsReported()
    {
        Write(Primary, """{"auths":{"h:5000":{"identitytoken":"refresh-me"}}}""");

        var found = Store().Find("h:5000");

        Assert.Equal("refresh-me", found!.IdentityToken);
        Assert.Null(found.UserName);
        Assert.DoesNotContain("refresh-me", found.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Find_Result_NeverPrintsThePassword()
    {
        Write(Primary, """{"auths":{"h:5000":{"auth":"QVdTOnByaW1hcnk="}}}""");

        var found = Store().Find("h:5000")!;

        Assert.Equal("primary", found.Credentials!.Password);
        Assert.DoesNotContain("primary", found.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Find_ExplicitFile_NeverFallsBack()
    {
        Write(DockerConfig, """{"auths":{"h:5000":{"auth":"QVdTOmRvY2tlcg=="}}}""");

        var store = Store(authFile: _home.Combine("explicit.json"));

        Assert.Null(store.Find("h:5000"));
    }

    [Fact]
    public void Find_BrokenFileButCredentialsLater_FindsThem_AndNothingAnywhere_ReportsTheBrokenFile()
    {
        Write(Primary, "{not json");
        Write(DockerConfig, """{"auths":{"h:5000":{"auth":"QVdTOmRvY2tlcg=="}}}""");

        Assert.Equal(DockerConfig, Store().Find("h:5000")!.Source);
        var error = Assert.Throws<AuthFileException>(() => Store().Find("elsewhere:1"));
        Assert.Contains(Primary, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Save_WritesOnlyTheWriteTargetAndReturnsItsPath()
    {
        Write(DockerConfig, """{"auths":{"h:5000":{"auth":"QVdTOmRvY2tlcg=="}}}""");
        var before = File.ReadAllText(DockerConfig);

        var written = Store().Save("h:5000", new BasicCredentials("AWS", "new"));

        Assert.Equal(Primary, written);
        Assert.Equal(before, File.ReadAllText(DockerConfig));
        Assert.Equal("new", Store().Find("h:5000")!.Credentials!.Password);
    }

    [Fact]
    public void Save_NamespacedKey_IsStoredUnderThatKey()
    {
        var store = Store();

        store.Save("h:5000/team/app", new BasicCredentials("AWS", "ns"));

        var root = JsonNode.Parse(File.ReadAllText(Primary))!;
        Assert.NotNull(root["auths"]!["h:5000/team/app"]);
        Assert.Null(root["auths"]!["h:5000"]);
    }

    [Fact]
    public void Save_KeyGovernedByCredHelper_IsRefusedAndNothingWritten()
    {
        Write(Primary, """{"auths":{},"credHelpers":{"h:5000":"ecr-login"}}""");
        var before = File.ReadAllText(Primary);

        var error = Assert.Throws<AuthFileException>(() => Store().Save("h:5000", new BasicCredentials("AWS", "x")));

        Assert.Contains("docker-credential-ecr-login", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(Primary));
    }

    [Fact]
    public void Remove_ExactKeyOnly_LeavesOtherEntries()
    {
        Write(Primary, """{"auths":{"h:5000":{"auth":"YTpi"},"h:5000/team":{"auth":"YTpi"}}}""");
        var store = Store();

        Assert.True(store.Remove("h:5000/team"));
        Assert.False(store.Remove("h:5000/team"));
        Assert.NotNull(store.Find("h:5000"));
        Assert.Equal("h:5000", store.Find("h:5000/team")!.Key);
    }

    [Fact]
    public void Remove_NoFile_ReturnsFalseAndCreatesNothing()
    {
        Assert.False(Store().Remove("h:5000"));
        Assert.False(File.Exists(Primary));
    }

    private AuthStore Store(string? authFile = null)
    {
        var environment = new Dictionary<string, string?> { ["HOME"] = _home.Path, ["XDG_RUNTIME_DIR"] = _runtime.Path };
        return new AuthStore(AuthFileLocations.Resolve(authFile, name => environment.GetValueOrDefault(name), () => 0, linuxLayout: true));
    }

    private static void Write(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }
}
