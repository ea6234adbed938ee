using Berth.Client.Auth;
using Berth.Testing;

namespace Berth.Client.Tests.Auth;

public sealed class AuthFileLocationsTests
{
    private static AuthFileLocations Resolve(Dictionary<string, string?> environment, string? authFile = null, int uid = 1234) =>
        AuthFileLocations.Resolve(authFile, name => environment.TryGetValue(name, out var value) ? value : null, () => uid, linuxLayout: true);

    [Fact]
    public void Resolve_AuthFileFlag_WinsOverEveryVariableAndIsTheOnlyFileRead()
    {
        using var dir = TempDirectory.Create();
        var locations = Resolve(
            new()
            {
                ["REGISTRY_AUTH_FILE"] = dir.Combine("env.json"),
                ["DOCKER_CONFIG"] = dir.Combine("docker"),
                ["XDG_RUNTIME_DIR"] = dir.Path,
                ["HOME"] = dir.Path,
            },
            authFile: dir.Combine("flag.json"));

        Assert.Equal(dir.Combine("flag.json"), locations.WriteTarget);
        Assert.True(locations.IsExplicit);
        Assert.Equal([new AuthFileSource(dir.Combine("flag.json"))], locations.ReadOrder);
    }

    [Fact]
    public void Resolve_RegistryAuthFile_WinsOverDockerConfigAndXdg()
    {
        using var dir = TempDirectory.Create();
        var locations = Resolve(new()
        {
            ["REGISTRY_AUTH_FILE"] = dir.Combine("env.json"),
            ["DOCKER_CONFIG"] = dir.Combine("docker"),
            ["XDG_RUNTIME_DIR"] = dir.Path,
            ["HOME"] = dir.Path,
        });

        Assert.Equal(dir.Combine("env.json"), locations.WriteTarget);
        Assert.True(locations.IsExplicit);
        Assert.Single(locations.ReadOrder);
    }

    [Fact]
    public void Resolve_DockerConfig_IsTheExplicitFileAsInPodman43()
    {
        // containers/common 0.50 GetDefaultAuthFile: REGISTRY_AUTH_FILE, then $DOCKER_CONFIG/config.json (podman-notes §1).
        using var dir = TempDirectory.Create();
        var locations = Resolve(new() { ["DOCKER_CONFIG"] = dir.Combine("docker"), ["XDG_RUNTIME_DIR"] = dir.Path, ["HOME"] = dir.Path });

        Assert.Equal(Path.Combine(dir.Path, "docker", "config.json"), locations.WriteTarget);
        Assert.True(locations.IsExplicit);
        Assert.Single(locations.ReadOrder);
    }

    [Fact]
    public void Resolve_XdgRuntimeDir_IsTheDefaultFollowedByTheReadFallbacks()
    {
        using var runtime = TempDirectory.Create();
        using var home = TempDirectory.Create();
        var locations = Resolve(new() { ["XDG_RUNTIME_DIR"] = runtime.Path, ["HOME"] = home.Path });

        Assert.Equal(Path.Combine(runtime.Path, "containers", "auth.json"), locations.WriteTarget);
        Assert.False(locations.IsExplicit);
        Assert.Equal(
            [
                new AuthFileSource(Path.Combine(runtime.Path, "containers", "auth.json")),
                new AuthFileSource(Path.Combine(home.Path, ".config", "containers", "auth.json")),
                new AuthFileSource(Path.Combine(home.Path, ".docker", "config.json")),
                new AuthFileSource(Path.Combine(home.Path, ".dockercfg"), LegacyFormat: true),
            ],
            locations.ReadOrder);
    }

    [Fact]
    public void Resolve_XdgConfigHome_ReplacesHomeConfigInTheReadOrder()
    {
        using var runtime = TempDirectory.Create();
        using var home = TempDirectory.Create();
        var locations = Resolve(new() { ["XDG_RUNTIME_DIR"] = runtime.Path, ["HOME"] = home.Path, ["XDG_CONFIG_HOME"] = home.Combine("cfg") });

        Assert.Equal(Path.Combine(home.Path, "cfg", "containers", "auth.json"), locations.ReadOrder[1].Path);
    }

    [Fact]
    public void Resolve_MissingXdgRuntimeDir_WriteTargetFailsWithPodmansTextButReadsFallBack()
    {
        using var home = TempDirectory.Create();
        var missing = home.Combine("no-such-runtime-dir");
        var locations = Resolve(new() { ["XDG_RUNTIME_DIR"] = missing, ["HOME"] = home.Path });

        var error = Assert.Throws<AuthFileException>(() => locations.WriteTarget);
        Assert.Equal(
            $"\"{missing}\" directory set by $XDG_RUNTIME_DIR does not exist. Either create the directory or unset $XDG_RUNTIME_DIR.",
            error.Message);
        Assert.False(locations.HasWriteTarget);
        Assert.Single(locations.Warnings);
        Assert.Equal(Path.Combine(home.Path, ".config", "containers", "auth.json"), locations.ReadOrder[0].Path);
    }

    [Fact]
    public void Resolve_NoXdgRuntimeDir_UsesRunContainersUid()
    {
        using var home = TempDirectory.Create();
        var locations = Resolve(new() { ["HOME"] = home.Path }, uid: 1234);

        Assert.Equal("/run/containers/1234/auth.json", locations.WriteTarget);
        Assert.Equal("/run/containers/1234/auth.json", locations.ReadOrder[0].Path);
        Assert.Equal(4, locations.ReadOrder.Count);
    }

    [Fact]
    public void Resolve_EmptyVariables_CountAsUnset()
    {
        using var home = TempDirectory.Create();
        var locations = Resolve(new() { ["HOME"] = home.Path, ["REGISTRY_AUTH_FILE"] = "", ["DOCKER_CONFIG"] = "", ["XDG_RUNTIME_DIR"] = "" }, uid: 0);

        Assert.Equal("/run/containers/0/auth.json", locations.WriteTarget);
        Assert.False(locations.IsExplicit);
    }

    [Fact]
    public void Resolve_UidIsOnlyAskedWhenNeeded()
    {
        using var dir = TempDirectory.Create();
        var locations = AuthFileLocations.Resolve(null, name => name == "XDG_RUNTIME_DIR" ? dir.Path : null, () => throw new InvalidOperationException("uid asked"), linuxLayout: true);

        Assert.Equal(Path.Combine(dir.Path, "containers", "auth.json"), locations.WriteTarget);
    }

    [Fact]
    public void Resolve_NonLinuxLayout_UsesHomeConfig()
    {
        using var home = TempDirectory.Create();
        var locations = AuthFileLocations.Resolve(null, name => name == "HOME" ? home.Path : null, () => 0, linuxLayout: false);

        Assert.Equal(Path.Combine(home.Path, ".config", "containers", "auth.json"), locations.WriteTarget);
        Assert.Equal(3, locations.ReadOrder.Count); // the default and the XDG_CONFIG_HOME fallback are the same file
    }
}
