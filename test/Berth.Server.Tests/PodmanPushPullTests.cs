using System.Text.Json;
using Berth.Testing;
using Berth.Testing.Podman;

namespace Berth.Server.Tests;

/// <summary>
/// The data plane end to end with the real clients: repositories made with the aws CLI, images built, pushed and pulled
/// with podman, copied, listed, inspected and deleted with skopeo, all inside a <see cref="PodmanSandbox"/>.
/// </summary>
/// <remarks>Every test has its own server (its request log is the evidence) and its own sandbox.</remarks>
public sealed class PodmanPushPullTests : IDisposable
{
    private const string Account = "000000000000";

    private readonly TempDirectory _home = TempDirectory.Create("berth-home-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AwsEcrCreateRepository_TeamApp_PrintsArnUriForTheServerHostAndMutableTags()
    {
        await using var server = await BerthTestServer.StartAsync(cancellationToken: Ct);
        var aws = new AwsCli(server, _home.Path);

        var repository = await aws.CreateRepositoryAsync("team/app", Ct);

        Assert.Equal($"arn:aws:ecr:us-east-1:{Account}:repository/team/app", repository.GetProperty("repositoryArn").GetString());
        Assert.Equal($"{server.Host}/team/app", repository.GetProperty("repositoryUri").GetString());
        Assert.Equal("team/app", repository.GetProperty("repositoryName").GetString());
        Assert.Equal(Account, repository.GetProperty("registryId").GetString());
        Assert.Equal("MUTABLE", repository.GetProperty("imageTagMutability").GetString());
    }

    [Fact]
    public async Task PodmanPush_MultiLayerImageThenRmiAllAndPull_PullsEveryBlobBackToTheSameImageId()
    {
        await using var server = await BerthTestServer.StartAsync(cancellationToken: Ct);
        using var sandbox = await PodmanSandbox.CreateAsync(Ct);
        var hostBefore = HostPodmanState.Snapshot();
        var image = await PushNewImageAsync(server, sandbox, "team/app", seed: 1);
        var manifest = await RawManifestAsync(sandbox, $"{server.Host}/team/app:v1");
        Assert.Equal(image.LayerCount, manifest.Layers.Count);

        var rmi = await sandbox.RunPodmanAsync(["rmi", "--all", "--force"], cancellationToken: Ct);
        var afterRmi = await sandbox.RunPodmanAsync(["images", "--all", "--quiet"], cancellationToken: Ct);
        Assert.True(rmi.ExitCode == 0, rmi.ToString());
        Assert.True(afterRmi.ExitCode == 0, afterRmi.ToString());
        Assert.Equal("", afterRmi.StandardOutput);
        var mark = server.Logs.Requests().Count;

        var pull = await sandbox.RunPodmanAsync(["pull", "--tls-verify=false", image.Tag], timeout: TimeSpan.FromMinutes(5), cancellationToken: Ct);

        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Equal(image.Id, await sandbox.ImageIdAsync(image.Tag, Ct));
        Assert.Equal(image.Id, manifest.Config["sha256:".Length..]);
        var pulled = server.Logs.Requests().Skip(mark).ToList();
        Assert.Contains(pulled, r => r is { Method: "GET", Path: "/v2/team/app/manifests/v1", Status: 200 });
        var fetched = pulled.Where(r => r is { Method: "GET", Status: 200 } && r.Path.StartsWith("/v2/team/app/blobs/", StringComparison.Ordinal))
            .Select(r => r.Path["/v2/team/app/blobs/".Length..]).ToHashSet();
        Assert.Equal(new[] { manifest.Config }.Concat(manifest.Layers).ToHashSet(), fetched);

        // Build, push, rmi and pull from a registry all stayed inside the sandbox.
        Assert.Equal(hostBefore, HostPodmanState.Snapshot());
    }

    [Fact]
    public async Task SkopeoCopy_ToAnotherRepositoryOfTheSameRegistry_MountsTheLayersInsteadOfUploadingThem()
    {
        await using var server = await BerthTestServer.StartAsync(cancellationToken: Ct);
        using var sandbox = await PodmanSandbox.CreateAsync(Ct);
        var image = await PushNewImageAsync(server, sandbox, "team/app", seed: 2);
        var manifest = await RawManifestAsync(sandbox, image.Tag);
        await new AwsCli(server, _home.Path).CreateRepositoryAsync("team/other", Ct);
        var mark = server.Logs.Requests().Count;

        var copy = await CopyAsync(sandbox, image.Tag, $"{server.Host}/team/other:v1");

        Assert.True(copy.ExitCode == 0, copy.ToString());
        var requests = server.Logs.Requests().Skip(mark).ToList();
        var log = string.Join('\n', requests);
        TestContext.Current.TestOutputHelper?.WriteLine(log);

        // Each layer: probed in the target (404), then mounted from team/app (POST ?mount=&from= -> 201), never read.
        Assert.Equal(manifest.Layers.Count, requests.Count(r => r is { Method: "POST", Path: "/v2/team/other/blobs/uploads/", Status: 201 }));
        foreach (var layer in manifest.Layers)
        {
            Assert.DoesNotContain(requests, r => r.Method == "GET" && r.Path == $"/v2/team/app/blobs/{layer}");
            Assert.Contains(requests, r => r is { Method: "HEAD", Status: 404 } && r.Path == $"/v2/team/other/blobs/{layer}");
        }

        // Only the config (which containers/image never mounts) travels as data: one upload, one PATCH, one PUT.
        Assert.True(requests.Count(r => r.Method == "PATCH") == 1, log);
        Assert.True(requests.Count(r => r is { Method: "PUT", Status: 201 } && r.Path.StartsWith("/v2/team/other/blobs/uploads/", StringComparison.Ordinal)) == 1, log);
        Assert.Contains(requests, r => r is { Method: "GET", Status: 200 } && r.Path == $"/v2/team/app/blobs/{manifest.Config}");
        Assert.Contains(requests, r => r is { Method: "PUT", Path: "/v2/team/other/manifests/v1", Status: 201 });
        var copied = await RawManifestAsync(sandbox, $"{server.Host}/team/other:v1");
        Assert.Equal(manifest.Digest, copied.Digest);
    }

    [Fact]
    public async Task SkopeoListTagsInspectDelete_CopiedImage_ShowsTheTagReadsTheLayersThenRemovesIt()
    {
        await using var server = await BerthTestServer.StartAsync(cancellationToken: Ct);
        using var sandbox = await PodmanSandbox.CreateAsync(Ct);
        var image = await PushNewImageAsync(server, sandbox, "team/app", seed: 3);
        var manifest = await RawManifestAsync(sandbox, image.Tag);
        await new AwsCli(server, _home.Path).CreateRepositoryAsync("team/other", Ct);
        var copy = await CopyAsync(sandbox, image.Tag, $"{server.Host}/team/other:v1");
        Assert.True(copy.ExitCode == 0, copy.ToString());
        var target = $"docker://{server.Host}/team/other";

        var tags = await SkopeoJsonAsync(sandbox, ["list-tags", "--tls-verify=false", target]);
        var inspect = await SkopeoJsonAsync(sandbox, ["inspect", "--tls-verify=false", target + ":v1"]);
        var delete = await sandbox.RunSkopeoAsync(["delete", "--tls-verify=false", target + ":v1"], cancellationToken: Ct);
        var tagsAfter = await SkopeoJsonAsync(sandbox, ["list-tags", "--tls-verify=false", target]);
        var inspectAfter = await sandbox.RunSkopeoAsync(["inspect", "--tls-verify=false", target + ":v1"], cancellationToken: Ct);

        Assert.Equal($"{server.Host}/team/other", tags.GetProperty("Repository").GetString());
        Assert.Equal(["v1"], tags.GetProperty("Tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(manifest.Digest, inspect.GetProperty("Digest").GetString());
        Assert.Equal(manifest.Layers, inspect.GetProperty("Layers").EnumerateArray().Select(l => l.GetString()!));
        Assert.Equal(image.LayerCount, inspect.GetProperty("Layers").GetArrayLength());
        Assert.Equal("3", inspect.GetProperty("Labels").GetProperty("org.berth.test.seed").GetString());
        Assert.True(delete.ExitCode == 0, delete.ToString());
        Assert.Contains(server.Logs.Requests(), r => r is { Method: "DELETE", Status: 202 } && r.Path == $"/v2/team/other/manifests/{manifest.Digest}");
        Assert.Empty(tagsAfter.GetProperty("Tags").EnumerateArray());
        Assert.NotEqual(0, inspectAfter.ExitCode);
        Assert.Contains("manifest unknown", inspectAfter.StandardError, StringComparison.Ordinal);

        // The source repository is untouched.
        var source = await SkopeoJsonAsync(sandbox, ["list-tags", "--tls-verify=false", $"docker://{server.Host}/team/app"]);
        Assert.Equal(["v1"], source.GetProperty("Tags").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task PodmanPush_RepositoryThatDoesNotExist_Exits125WithEcrNameUnknown()
    {
        await using var server = await BerthTestServer.StartAsync(cancellationToken: Ct);
        using var sandbox = await PodmanSandbox.CreateAsync(Ct);
        var aws = new AwsCli(server, _home.Path);
        await sandbox.LoginAsync(server.Host, await aws.GetLoginPasswordOutputAsync(Ct), Ct);
        var image = await sandbox.BuildImageAsync($"{server.Host}/team/missing:v1", seed: 4, cancellationToken: Ct);

        var push = await sandbox.RunPodmanAsync(["push", "--tls-verify=false", image.Tag], timeout: TimeSpan.FromMinutes(5), cancellationToken: Ct);

        Assert.Equal(125, push.ExitCode);
        Assert.Contains(
            $"name unknown: The repository with name 'team/missing' does not exist in the registry with id '{Account}'",
            push.StandardError,
            StringComparison.Ordinal);
        Assert.Contains(server.Logs.Requests(), r => r is { Method: "POST", Path: "/v2/team/missing/blobs/uploads/", Status: 404 });
        Assert.DoesNotContain(server.Logs.Requests(), r => r.Method is "PATCH" or "PUT");
        var describe = await aws.EcrAsync(["describe-repositories", "--repository-names", "team/missing"], Ct);
        Assert.Equal(255, describe.ExitCode);
        Assert.Contains("RepositoryNotFoundException", describe.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AwsEcrDescribeAndDeleteRepository_RepositoryHoldingAnImage_ListsBothAndDeletesOnlyWithForce()
    {
        await using var server = await BerthTestServer.StartAsync(cancellationToken: Ct);
        using var sandbox = await PodmanSandbox.CreateAsync(Ct);
        var aws = new AwsCli(server, _home.Path);
        var image = await PushNewImageAsync(server, sandbox, "team/app", seed: 5);
        await aws.CreateRepositoryAsync("team/other", Ct);
        var copy = await CopyAsync(sandbox, image.Tag, $"{server.Host}/team/other:v1");
        Assert.True(copy.ExitCode == 0, copy.ToString());

        using var described = await aws.EcrJsonAsync(["describe-repositories"], Ct);
        var refused = await aws.EcrAsync(["delete-repository", "--repository-name", "team/other"], Ct);
        using var stillThere = await aws.EcrJsonAsync(["describe-repositories", "--repository-names", "team/other"], Ct);
        using var forced = await aws.EcrJsonAsync(["delete-repository", "--repository-name", "team/other", "--force"], Ct);
        using var remaining = await aws.EcrJsonAsync(["describe-repositories"], Ct);
        var pullDeleted = await sandbox.RunSkopeoAsync(["inspect", "--tls-verify=false", $"docker://{server.Host}/team/other:v1"], cancellationToken: Ct);

        Assert.Equal(
            [("team/app", $"{server.Host}/team/app"), ("team/other", $"{server.Host}/team/other")],
            described.RootElement.GetProperty("repositories").EnumerateArray()
                .Select(r => (r.GetProperty("repositoryName").GetString(), r.GetProperty("repositoryUri").GetString())));
        Assert.Equal(255, refused.ExitCode);
        Assert.Contains("An error occurred (RepositoryNotEmptyException) when calling the DeleteRepository operation", refused.StandardError, StringComparison.Ordinal);
        Assert.Contains($"The repository with name 'team/other' in registry with id '{Account}' cannot be deleted because it still contains images", refused.StandardError, StringComparison.Ordinal);
        Assert.Equal("team/other", Assert.Single(stillThere.RootElement.GetProperty("repositories").EnumerateArray()).GetProperty("repositoryName").GetString());
        Assert.Equal($"arn:aws:ecr:us-east-1:{Account}:repository/team/other", forced.RootElement.GetProperty("repository").GetProperty("repositoryArn").GetString());
        Assert.Equal(["team/app"], remaining.RootElement.GetProperty("repositories").EnumerateArray().Select(r => r.GetProperty("repositoryName").GetString()));
        Assert.NotEqual(0, pullDeleted.ExitCode);
        Assert.Contains("name unknown: The repository with name 'team/other' does not exist", pullDeleted.StandardError, StringComparison.Ordinal);
    }

    public void Dispose() => _home.Dispose();

    /// <summary>Creates <paramref name="repository"/> with the aws CLI, logs podman in with the CLI's password, builds a
    /// three-layer image and pushes it as <c>HOST/REPOSITORY:v1</c>.</summary>
    private async Task<BuiltImage> PushNewImageAsync(BerthTestServer server, PodmanSandbox sandbox, string repository, int seed)
    {
        var aws = new AwsCli(server, _home.Path);
        await aws.CreateRepositoryAsync(repository, Ct);
        await sandbox.LoginAsync(server.Host, await aws.GetLoginPasswordOutputAsync(Ct), Ct);
        var image = await sandbox.BuildImageAsync($"{server.Host}/{repository}:v1", seed, cancellationToken: Ct);

        var push = await sandbox.RunPodmanAsync(["push", "--tls-verify=false", image.Tag], timeout: TimeSpan.FromMinutes(5), cancellationToken: Ct);

        Assert.True(push.ExitCode == 0, push.ToString());
        Assert.Contains(server.Logs.Requests(), r => r is { Method: "PUT", Status: 201 } && r.Path == $"/v2/{repository}/manifests/v1");
        return image;
    }

    private static Task<ProcessResult> CopyAsync(PodmanSandbox sandbox, string from, string to) =>
        sandbox.RunSkopeoAsync(
            ["copy", "--src-tls-verify=false", "--dest-tls-verify=false", $"docker://{from}", $"docker://{to}"],
            timeout: TimeSpan.FromMinutes(5),
            cancellationToken: Ct);

    private static async Task<JsonElement> SkopeoJsonAsync(PodmanSandbox sandbox, IReadOnlyList<string> arguments)
    {
        var result = await sandbox.RunSkopeoAsync(arguments, cancellationToken: Ct);
        Assert.True(result.ExitCode == 0, $"skopeo {string.Join(' ', arguments)}: {result}");
        using var json = JsonDocument.Parse(result.StandardOutput);
        return json.RootElement.Clone();
    }

    /// <summary>The manifest as stored (<c>skopeo inspect --raw</c>) with its digest, config digest and layer digests.</summary>
    private static async Task<RawManifest> RawManifestAsync(PodmanSandbox sandbox, string reference)
    {
        var raw = await sandbox.RunSkopeoAsync(["inspect", "--raw", "--tls-verify=false", $"docker://{reference}"], cancellationToken: Ct);
        Assert.True(raw.ExitCode == 0, raw.ToString());
        var bytes = System.Text.Encoding.UTF8.GetBytes(raw.StandardOutput);
        using var json = JsonDocument.Parse(bytes);
        return new RawManifest(
            "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)),
            json.RootElement.GetProperty("config").GetProperty("digest").GetString()!,
            [.. json.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("digest").GetString()!)]);
    }

    private sealed record RawManifest(string Digest, string Config, IReadOnlyList<string> Layers);
}
