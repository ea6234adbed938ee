namespace Berth.Testing.Podman;

/// <summary>Setup steps the access-control tests share: an image pushed by the bootstrap admin, an emptied local store.</summary>
public static class PodmanSandboxPush
{
    /// <summary>Creates <paramref name="repository"/>, logs podman in as <paramref name="admin"/>, builds a two-layer image
    /// and pushes it as <c>REPOSITORY:v1</c>; fails the test unless every step works.</summary>
    public static async Task<BuiltImage> PushNewImageAsync(
        this PodmanSandbox sandbox, BerthTestServer server, AwsCli admin, string repository, int seed, CancellationToken cancellationToken = default)
    {
        await admin.CreateRepositoryAsync(repository, cancellationToken);
        await sandbox.LoginAsync(server.Host, await admin.GetLoginPasswordOutputAsync(cancellationToken), cancellationToken);
        var image = await sandbox.BuildImageAsync($"{server.Host}/{repository}:v1", seed, layers: 2, cancellationToken: cancellationToken);
        var push = await sandbox.RunPodmanAsync(["push", "--tls-verify=false", image.Tag], timeout: TimeSpan.FromMinutes(5), cancellationToken: cancellationToken);
        Assert.True(push.ExitCode == 0, push.ToString());
        return image;
    }

    /// <summary>Asserts that the registry refuses the token podman stored (<paramref name="stored"/>) within 5 seconds,
    /// and that a fresh <c>podman pull</c> of <paramref name="image"/> (in <c>team/app</c>) then fails showing <paramref name="reason"/>.</summary>
    public static async Task AssertTokenRevokedAsync(
        this PodmanSandbox sandbox, BerthTestServer server, BuiltImage image, string stored, string reason, CancellationToken cancellationToken = default)
    {
        var elapsed = await RegistryProbe.TimeUntilForbiddenAsync(server, stored, "team/app", "v1", cancellationToken);
        Assert.True(elapsed < TimeSpan.FromSeconds(5), $"the token still worked {elapsed} after it was revoked");
        await sandbox.RemoveAllImagesAsync(cancellationToken);
        var pull = await sandbox.RunPodmanAsync(["pull", "--tls-verify=false", image.Tag], timeout: TimeSpan.FromMinutes(5), cancellationToken: cancellationToken);
        Assert.Equal(125, pull.ExitCode);
        Assert.Contains($"denied: Your authorization token was revoked: {reason}. Reauthenticate and try again.", pull.StandardError, StringComparison.Ordinal);
    }

    /// <summary><c>podman rmi --all --force</c>, so the next pull must fetch everything from the registry.</summary>
    public static async Task RemoveAllImagesAsync(this PodmanSandbox sandbox, CancellationToken cancellationToken = default)
    {
        var rmi = await sandbox.RunPodmanAsync(["rmi", "--all", "--force"], cancellationToken: cancellationToken);
        Assert.True(rmi.ExitCode == 0, rmi.ToString());
    }
}
