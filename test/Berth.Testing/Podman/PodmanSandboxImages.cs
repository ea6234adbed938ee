using System.Text;

namespace Berth.Testing.Podman;

/// <summary>A locally built image: its tag, its id (the config digest's hex) and how many layers it has.</summary>
public sealed record BuiltImage(string Tag, string Id, int LayerCount);

/// <summary>Registry chores on top of <see cref="PodmanSandbox"/>: login with a password on stdin, offline builds.</summary>
public static class PodmanSandboxImages
{
    /// <summary><c>podman login --username AWS --password-stdin --tls-verify=false HOST</c> with what
    /// <c>aws ecr get-login-password</c> printed; fails the test unless it succeeds.</summary>
    public static async Task LoginAsync(this PodmanSandbox sandbox, string host, string passwordOutput, CancellationToken cancellationToken = default)
    {
        var login = await sandbox.RunPodmanAsync(
            ["login", "--username", "AWS", "--password-stdin", "--tls-verify=false", host], passwordOutput, cancellationToken: cancellationToken);
        Assert.True(login.ExitCode == 0, login.ToString());
    }

    /// <summary>
    /// Builds <paramref name="tag"/> without network: <c>FROM scratch</c>, one <c>COPY</c> (hence one layer) per file of
    /// pseudo-random content derived from <paramref name="seed"/>, and a <c>LABEL</c>. Fails the test unless the build works.
    /// </summary>
    public static async Task<BuiltImage> BuildImageAsync(
        this PodmanSandbox sandbox, string tag, int seed, int layers = 3, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1);
        var context = Path.Combine(sandbox.WorkDirectory, "context-" + seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(context);
        var containerfile = new StringBuilder("FROM scratch\n");
        var random = new Random(seed);
        for (var i = 0; i < layers; i++)
        {
            var name = $"layer{i}.bin";
            var content = new byte[(16 * 1024) + random.Next(64 * 1024)];
            random.NextBytes(content);
            await File.WriteAllBytesAsync(Path.Combine(context, name), content, cancellationToken);
            containerfile.Append(System.Globalization.CultureInfo.InvariantCulture, $"COPY {name} /data/{i}/{name}\n");
        }

        containerfile.Append(System.Globalization.CultureInfo.InvariantCulture, $"LABEL org.berth.test.seed=\"{seed}\"\n");
        await File.WriteAllTextAsync(Path.Combine(context, "Containerfile"), containerfile.ToString(), cancellationToken);

        var build = await sandbox.RunPodmanAsync(["build", "--tag", tag, context], timeout: TimeSpan.FromMinutes(5), cancellationToken: cancellationToken);
        Assert.True(build.ExitCode == 0, build.ToString());
        return new BuiltImage(tag, await sandbox.ImageIdAsync(tag, cancellationToken), layers);
    }

    /// <summary>The full image id of <paramref name="reference"/> in the sandbox's store.</summary>
    public static async Task<string> ImageIdAsync(this PodmanSandbox sandbox, string reference, CancellationToken cancellationToken = default)
    {
        var inspect = await sandbox.RunPodmanAsync(["image", "inspect", "--format", "{{.Id}}", reference], cancellationToken: cancellationToken);
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        return inspect.StandardOutput.Trim();
    }
}
