using Berth.Testing;
using Berth.Testing.Podman;

namespace Berth.Server.Tests;

/// <summary>The sandbox keeps the real podman and skopeo away from the machine's own podman state.</summary>
public sealed class PodmanSandboxTests(BerthServerFixture fixture) : IClassFixture<BerthServerFixture>, IDisposable
{
    private readonly TempDirectory _awsHome = TempDirectory.Create("berth-home-");

    private BerthTestServer Server => fixture.Server;

    [Fact]
    public async Task PodmanSandbox_LoginGetLoginLogout_LeaveHostPodmanStateUntouched()
    {
        var ct = TestContext.Current.CancellationToken;
        using var sandbox = await PodmanSandbox.CreateAsync(ct);
        var password = await GetLoginPasswordOutputAsync(ct);
        var before = HostPodmanState.Snapshot();

        var login = await sandbox.RunPodmanAsync(["login", "--username", "AWS", "--password-stdin", "--tls-verify=false", Server.Host], password, cancellationToken: ct);
        var getLogin = await sandbox.RunPodmanAsync(["login", "--get-login", Server.Host], cancellationToken: ct);
        var logout = await sandbox.RunPodmanAsync(["logout", Server.Host], cancellationToken: ct);

        Assert.True(login.ExitCode == 0, login.ToString());
        Assert.True(getLogin.ExitCode == 0, getLogin.ToString());
        Assert.True(logout.ExitCode == 0, logout.ToString());
        Assert.Equal(before, HostPodmanState.Snapshot());
        Assert.True(File.Exists(sandbox.AuthFile), "the sandbox's own auth file was not used");
    }

    [Fact]
    public async Task PodmanLoginVerbose_NoAuthfileArgument_UsesTheSandboxAuthFile()
    {
        var ct = TestContext.Current.CancellationToken;
        using var sandbox = await PodmanSandbox.CreateAsync(ct);

        var login = await sandbox.RunPodmanAsync(
            ["login", "--verbose", "--username", "AWS", "--password-stdin", "--tls-verify=false", Server.Host], await GetLoginPasswordOutputAsync(ct), cancellationToken: ct);

        Assert.True(login.ExitCode == 0, login.ToString());
        Assert.Contains($"Used:  {sandbox.AuthFile}", login.StandardOutput, StringComparison.Ordinal);
        Assert.NotNull(sandbox.ReadStoredAuth(Server.Host));
    }

    [Fact]
    public async Task PodmanSandbox_BuildPushAndSkopeoCopy_KeepStoreAndBlobInfoCacheInWorkDirectory()
    {
        var ct = TestContext.Current.CancellationToken;
        using var sandbox = await PodmanSandbox.CreateAsync(ct);
        sandbox.EnsureAuthFile();
        var context = Path.Combine(sandbox.WorkDirectory, "context");
        Directory.CreateDirectory(context);
        await File.WriteAllTextAsync(Path.Combine(context, "hello.txt"), "hello from berth\n", ct);
        await File.WriteAllTextAsync(Path.Combine(context, "Containerfile"), "FROM scratch\nCOPY hello.txt /\nLABEL org.berth.test=sandbox\n", ct);
        var layout = Path.Combine(sandbox.WorkDirectory, "layout");
        var copy = Path.Combine(sandbox.WorkDirectory, "copy");
        var before = HostPodmanState.Snapshot();

        var build = await sandbox.RunPodmanAsync(["build", "--tag", "localhost/berth/sandbox:1", context], cancellationToken: ct);
        var push = await sandbox.RunPodmanAsync(["push", "localhost/berth/sandbox:1", $"oci:{layout}:sandbox"], cancellationToken: ct);
        var skopeo = await sandbox.RunSkopeoAsync(["copy", $"oci:{layout}:sandbox", $"dir:{copy}"], cancellationToken: ct);
        var images = await sandbox.RunPodmanAsync(["images", "--all", "--format", "{{.Repository}}:{{.Tag}}"], cancellationToken: ct);

        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.True(push.ExitCode == 0, push.ToString());
        Assert.True(skopeo.ExitCode == 0, skopeo.ToString());
        Assert.Contains("localhost/berth/sandbox:1", images.StandardOutput, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(copy, "manifest.json")), skopeo.ToString());
        Assert.True(Directory.Exists(Path.Combine(sandbox.GraphRoot, "vfs")), "the image is not in the sandbox's vfs store");
        Assert.True(File.Exists(Path.Combine(sandbox.BlobInfoCacheDirectory, "blob-info-cache-v1.boltdb")), "the blob-info cache was not redirected");
        Assert.Equal(before, HostPodmanState.Snapshot());

        var rmi = await sandbox.RunPodmanAsync(["rmi", "--all", "--force"], cancellationToken: ct);
        var after = await sandbox.RunPodmanAsync(["images", "--all", "--quiet"], cancellationToken: ct);
        Assert.True(rmi.ExitCode == 0, rmi.ToString());
        Assert.Equal("", after.StandardOutput);
    }

    [Fact]
    public async Task RunPodmanAsync_SubcommandThatStartsTheRuntime_IsRefused()
    {
        using var sandbox = await PodmanSandbox.CreateAsync(TestContext.Current.CancellationToken);

        var refused = await Assert.ThrowsAsync<NotSupportedException>(() => sandbox.RunPodmanAsync(["info"], cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("/run/crun", refused.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _awsHome.Dispose();

    private async Task<string> GetLoginPasswordOutputAsync(CancellationToken ct)
    {
        var result = await ProcessRunner.RunAsync(
            RealClients.Require("aws"),
            ["ecr", "get-login-password", "--endpoint-url", Server.EndpointUrl, "--region", "us-east-1"],
            Server.AwsEnvironment(_awsHome.Path),
            cancellationToken: ct);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.StandardOutput;
    }
}
