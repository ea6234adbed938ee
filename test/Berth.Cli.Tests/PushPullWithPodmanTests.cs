using Berth.Testing;
using Berth.Testing.Podman;

namespace Berth.Cli.Tests;

/// <summary>The daemonless path a CI job takes: <c>podman save</c> an image it built, <c>berth push</c> the archive,
/// and <c>podman pull</c> gets the same image back.</summary>
public sealed class PushPullWithPodmanTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PodmanSave_BerthPushTheArchive_PodmanPullsTheSameImage()
    {
        await using var server = await BerthTestServer.StartAsync(o => o with { Registry = o.Registry with { CreateOnPush = true } }, cancellationToken: Ct);
        using var sandbox = await PodmanSandbox.CreateAsync(Ct);
        var password = await server.IssuePasswordAsync(Ct);
        await sandbox.LoginAsync(server.Host, password, Ct);
        var built = await sandbox.BuildImageAsync("localhost/built/app:v1", seed: 71, layers: 3, cancellationToken: Ct);
        var archive = Path.Combine(sandbox.WorkDirectory, "app.tar");
        var save = await sandbox.RunPodmanAsync(["save", "--format", "docker-archive", "-o", archive, built.Tag], cancellationToken: Ct);
        Assert.True(save.ExitCode == 0, save.ToString());
        var target = $"{server.Host}/saved/app:v1";
        var environment = new Dictionary<string, string?>(sandbox.Environment) { ["REGISTRY_AUTH_FILE"] = sandbox.AuthFile };

        var push = await new CliRunner(environment).RunAsync(["push", "--tls-verify=false", $"docker-archive:{archive}", target], cancellationToken: Ct);
        var remove = await sandbox.RunPodmanAsync(["rmi", "-a", "-f"], cancellationToken: Ct);
        var pull = await sandbox.RunPodmanAsync(["pull", "--tls-verify=false", target], timeout: TimeSpan.FromMinutes(3), cancellationToken: Ct);

        Assert.True(push.ExitCode == 0, push.ToString());
        Assert.Contains("Copied 4 blob(s)", push.Error, StringComparison.Ordinal);
        Assert.True(remove.ExitCode == 0, remove.ToString());
        Assert.True(pull.ExitCode == 0, pull.ToString());

        // The image id is the config digest: the archive's layers went up as they were, so podman sees the same image.
        Assert.Equal(built.Id, await sandbox.ImageIdAsync(target, Ct));
    }
}
