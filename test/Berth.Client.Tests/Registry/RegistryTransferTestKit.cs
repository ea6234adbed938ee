using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Berth.Client.Auth;
using Berth.Client.Registry;
using Berth.Client.Transfer;
using Berth.Protocol;
using Berth.Protocol.Oci;
using Berth.Protocol.Tokens;
using Berth.Testing;

namespace Berth.Client.Tests.Registry;

/// <summary>A blob held in memory for small transfer tests.</summary>
internal sealed record MemoryBlob(byte[] Bytes, string MediaType)
{
    public Descriptor Descriptor { get; } = new(MediaType, Protocol.Digest.Sha256(Bytes).ToString(), Bytes.LongLength);

    public string Digest => Descriptor.Digest!;

    public static MemoryBlob Random(int size, string mediaType = RegistryContent.OciLayer) => new(RandomNumberGenerator.GetBytes(size), mediaType);

    public BlobOpener Opener(List<long>? opened = null) => (offset, _) =>
    {
        lock (opened ?? [])
        {
            opened?.Add(offset);
        }

        return Task.FromResult<Stream>(new MemoryStream(Bytes, (int)offset, Bytes.Length - (int)offset, writable: false));
    };
}

/// <summary>An image (config, layers, OCI manifest) built in memory.</summary>
internal sealed record MemoryImage(MemoryBlob Config, IReadOnlyList<MemoryBlob> Layers, ManifestContent Manifest)
{
    public IEnumerable<MemoryBlob> Blobs => [Config, .. Layers];

    public static MemoryImage Create(params int[] layerSizes)
    {
        var config = new MemoryBlob(Encoding.UTF8.GetBytes($$"""{"architecture":"amd64","os":"linux","comment":"{{Guid.NewGuid()}}"}"""), RegistryContent.OciConfig);
        var layers = layerSizes.Select(size => MemoryBlob.Random(size)).ToList();
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.OciManifest,
            ["config"] = Json(config.Descriptor),
            ["layers"] = new JsonArray([.. layers.Select(l => (JsonNode)Json(l.Descriptor))]),
        };
        return new MemoryImage(config, layers, ManifestContent.From(Encoding.UTF8.GetBytes(manifest.ToJsonString()), MediaTypes.OciManifest));
    }

    public static JsonObject Json(Descriptor d) => new() { ["mediaType"] = d.MediaType, ["digest"] = d.Digest, ["size"] = d.Size };
}

/// <summary>Auth files, options and references for transfer tests against a real Berth.</summary>
internal static class RegistryTransferTestKit
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>An auth file in <paramref name="directory"/> with <c>AWS:<paramref name="password"/></c> for <paramref name="host"/>.</summary>
    public static TransferOptions Options(TempDirectory directory, string host, string? password, string? path = null) =>
        OptionsWithAuthJson(
            directory,
            password is null ? """{"auths":{}}""" : new JsonObject { ["auths"] = new JsonObject { [host] = new JsonObject { ["auth"] = new BasicCredentials("AWS", password).Encode() } } }.ToJsonString(),
            path);

    public static TransferOptions OptionsWithAuthJson(TempDirectory directory, string authJson, string? path = null)
    {
        var file = directory.Combine($"auth-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, authJson);
        return new TransferOptions
        {
            TlsVerify = false,
            AuthFiles = AuthFileLocations.Resolve(file, _ => null, () => 0),
            // The helper scripts need the system's tools (cat, printf) after the test's own bin directory.
            Environment = name => name == "PATH" ? path + Path.PathSeparator + System.Environment.GetEnvironmentVariable("PATH") : null,
            RetryBudget = TimeSpan.FromSeconds(60),
            RequestTimeout = TimeSpan.FromSeconds(30),
        };
    }

    public static RegistryImageReference Reference(string text)
    {
        Assert.True(ImageReference.TryParse(text, out var reference, out var error), error);
        return Assert.IsType<RegistryImageReference>(reference);
    }

    /// <summary>Pushes an image the way the copier will: blobs (prepare, then put when missing), then the manifest.</summary>
    public static async Task PushAsync(RegistryImageDestination destination, MemoryImage image, RegistryLocation? source = null)
    {
        foreach (var blob in image.Blobs)
        {
            if (await destination.PrepareBlobAsync(blob.Descriptor, source, Ct) == BlobPresence.Missing)
            {
                await destination.PutBlobAsync(blob.Descriptor, blob.Opener(), _ => { }, Ct);
            }
        }

        await destination.PutManifestAsync(image.Manifest, isRoot: true, Ct);
        await destination.CommitAsync(Ct);
    }

    public static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        await using (stream)
        {
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, Ct);
            return buffer.ToArray();
        }
    }
}
