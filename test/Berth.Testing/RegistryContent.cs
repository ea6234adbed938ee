using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Berth.Registry.Blobs;
using Berth.Registry.Manifests;
using Berth.Registry.Repositories;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Testing;

/// <summary>A blob stored in a test repository.</summary>
public sealed record TestBlob(string Digest, long Size, string MediaType)
{
    public JsonObject ToJson() => new() { ["mediaType"] = MediaType, ["digest"] = Digest, ["size"] = Size };
}

/// <summary>An image stored in a test repository: its manifest bytes and digest, config and layers.</summary>
public sealed record TestImage(string Digest, byte[] Manifest, string MediaType, TestBlob Config, IReadOnlyList<TestBlob> Layers)
{
    /// <summary>Config plus layers: what ECR reports as <c>imageSizeInBytes</c>.</summary>
    public long Size => Config.Size + Layers.Sum(l => l.Size);

    public string ManifestText => Encoding.UTF8.GetString(Manifest);
}

/// <summary>Puts content into a test server through its domain services (fast: no HTTP, no client processes), so
/// API tests can seed thousands of images and then look at them with the real clients.</summary>
public sealed class RegistryContent(BerthTestServer server)
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string OciConfig = "application/vnd.oci.image.config.v1+json";
    public const string OciLayer = "application/vnd.oci.image.layer.v1.tar+gzip";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Uploads <paramref name="content"/> into <paramref name="repository"/> like a blob push.</summary>
    public async Task<TestBlob> PushBlobAsync(string repository, byte[] content, string mediaType = OciLayer)
    {
        var blobs = server.Services.GetRequiredService<BlobService>();
        var digest = Protocol.Digest.Sha256(content);
        await using var upload = await blobs.StartUploadAsync(repository, Ct);
        using (var stream = new MemoryStream(content))
        {
            await upload.AppendAsync(stream, 0, Ct);
        }

        await blobs.CompleteUploadAsync(repository, upload, digest, Ct);
        return new TestBlob(digest.ToString(), content.Length, mediaType);
    }

    /// <summary>Pushes a unique image (random config, <paramref name="layers"/> random layers) and tags it if asked.</summary>
    public async Task<TestImage> PushImageAsync(string repository, string? tag, int layers = 2, string mediaType = OciManifest)
    {
        var config = await PushBlobAsync(repository, Encoding.UTF8.GetBytes($$"""{"architecture":"amd64","os":"linux","comment":"{{Guid.NewGuid()}}"}"""), OciConfig);
        var blobs = new List<TestBlob>();
        for (var i = 0; i < layers; i++)
        {
            blobs.Add(await PushBlobAsync(repository, RandomNumberGenerator.GetBytes(1000 + (i * 517))));
        }

        var manifest = ImageManifest(config, blobs, mediaType);
        var digest = await PutManifestAsync(repository, tag, manifest);
        return new TestImage(digest, manifest, mediaType, config, blobs);
    }

    /// <summary>Pushes an OCI index of <paramref name="children"/> (already in the repository).</summary>
    public async Task<string> PushIndexAsync(string repository, string? tag, params TestImage[] children)
    {
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = OciIndex,
            ["manifests"] = new JsonArray([.. children.Select(c => (JsonNode)new JsonObject { ["mediaType"] = c.MediaType, ["digest"] = c.Digest, ["size"] = c.Manifest.Length })]),
        };
        return await PutManifestAsync(repository, tag, Encoding.UTF8.GetBytes(index.ToJsonString()));
    }

    /// <summary>Pushes an OCI 1.1 artifact that refers to <paramref name="subject"/> (an empty config, one small layer).</summary>
    public async Task<string> PushReferrerAsync(string repository, TestImage subject, string artifactType, IReadOnlyDictionary<string, string>? annotations = null)
    {
        var empty = await PushBlobAsync(repository, "{}"u8.ToArray(), "application/vnd.oci.empty.v1+json");
        var layer = await PushBlobAsync(repository, RandomNumberGenerator.GetBytes(64), "application/octet-stream");
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = OciManifest,
            ["artifactType"] = artifactType,
            ["config"] = empty.ToJson(),
            ["layers"] = new JsonArray(layer.ToJson()),
            ["subject"] = new JsonObject { ["mediaType"] = subject.MediaType, ["digest"] = subject.Digest, ["size"] = subject.Manifest.Length },
        };
        if (annotations is not null)
        {
            manifest["annotations"] = new JsonObject([.. annotations.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value))]);
        }

        return await PutManifestAsync(repository, null, Encoding.UTF8.GetBytes(manifest.ToJsonString()));
    }

    /// <summary>Stores a manifest under a tag (or by digest when <paramref name="tag"/> is null); returns its digest.</summary>
    public async Task<string> PutManifestAsync(string repository, string? tag, byte[] manifest)
    {
        var record = await server.Services.GetRequiredService<RepositoryService>().RequireAsync(repository, forPush: false, Ct);
        var reference = tag ?? Protocol.Digest.Sha256(manifest).ToString();
        var pushed = await server.Services.GetRequiredService<ManifestService>().PutAsync(record, reference, null, manifest, Ct);
        return pushed.Digest.ToString();
    }

    /// <summary>Seeds <paramref name="count"/> distinct tagged images (<c>t00000</c>, …) that share one config and layer.</summary>
    public async Task<IReadOnlyList<string>> SeedImagesAsync(string repository, int count)
    {
        var config = await PushBlobAsync(repository, "{\"architecture\":\"amd64\",\"os\":\"linux\"}"u8.ToArray(), OciConfig);
        var layer = await PushBlobAsync(repository, RandomNumberGenerator.GetBytes(512));
        var digests = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var manifest = ImageManifest(config, [layer], OciManifest, new JsonObject { ["org.berth.test.index"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            digests.Add(await PutManifestAsync(repository, $"t{i:D5}", manifest));
        }

        return digests;
    }

    /// <summary>An image manifest naming <paramref name="config"/> and <paramref name="layers"/>.</summary>
    public static byte[] ImageManifest(TestBlob config, IEnumerable<TestBlob> layers, string mediaType = OciManifest, JsonObject? annotations = null)
    {
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = mediaType,
            ["config"] = config.ToJson(),
            ["layers"] = new JsonArray([.. layers.Select(l => (JsonNode)l.ToJson())]),
        };
        if (annotations is not null)
        {
            manifest["annotations"] = annotations;
        }

        return Encoding.UTF8.GetBytes(manifest.ToJsonString());
    }
}
