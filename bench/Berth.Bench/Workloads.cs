using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Berth.Bench;

/// <summary>One registry's side of the run: its server, a client and the content set up for the rows.</summary>
internal sealed class RegistryContext(RegistryServer server, RegistryClient client) : IDisposable
{
    private long _sequence;

    public RegistryServer Server { get; } = server;

    public RegistryClient Client { get; } = client;

    /// <summary>Blobs the pull row reads and the manifests reference as layers.</summary>
    public List<SyntheticBlob> PullBlobs { get; } = [];

    public SyntheticBlob? Config { get; set; }

    /// <summary>Tags the manifest-get row reads.</summary>
    public List<string> GetTags { get; } = [];

    /// <summary>A number no push on this registry has used yet.</summary>
    public long NextSequence() => Interlocked.Increment(ref _sequence);

    public void Dispose() => Client.Dispose();
}

/// <summary>A row of the table: what one operation is and what must exist before it runs.</summary>
internal abstract class Row(string key, string title, int operations, long bytesPerOperation)
{
    public string Key { get; } = key;

    public string Title { get; } = title;

    public int Operations { get; } = operations;

    /// <summary>Payload bytes one operation moves (for MiB/s); 0 when throughput in bytes is meaningless.</summary>
    public long BytesPerOperation { get; } = bytesPerOperation;

    /// <summary>Untimed set-up before a measured run; called before every run, so it must be idempotent.</summary>
    public virtual Task PrepareAsync(RegistryContext context, CancellationToken ct) => Task.CompletedTask;

    /// <summary>Operation number <paramref name="index"/> of this run; <paramref name="buffer"/> is the worker's own.</summary>
    public abstract Task RunAsync(RegistryContext context, int index, byte[] buffer, CancellationToken ct);
}

internal sealed class PingRow(int operations) : Row("ping", "authenticated ping (GET /v2/)", operations, 0)
{
    public override Task RunAsync(RegistryContext context, int index, byte[] buffer, CancellationToken ct) => context.Client.PingAsync(ct);
}

internal sealed class PushMonolithicRow(BlobFactory blobs, int operations)
    : Row("push-mono", $"blob push monolithic, {Sizes.Format(blobs.Size)} (POST + PUT)", operations, blobs.Size)
{
    public override Task RunAsync(RegistryContext context, int index, byte[] buffer, CancellationToken ct) =>
        context.Client.PushMonolithicAsync(blobs.Create(context.NextSequence()), ct);
}

internal sealed class PushChunkedRow(BlobFactory blobs, int chunks, int operations)
    : Row("push-chunked", $"blob push chunked, {Sizes.Format(blobs.Size)} (POST + {chunks} PATCH + PUT)", operations, blobs.Size)
{
    public override Task RunAsync(RegistryContext context, int index, byte[] buffer, CancellationToken ct) =>
        context.Client.PushChunkedAsync(blobs.Create(context.NextSequence()), chunks, ct);
}

internal sealed class PullRow(BlobFactory blobs, int operations)
    : Row("pull", $"blob pull, {Sizes.Format(blobs.Size)} (GET)", operations, blobs.Size)
{
    public override Task PrepareAsync(RegistryContext context, CancellationToken ct) => Setup.EnsureBaseAsync(context, blobs, ct);

    public override async Task RunAsync(RegistryContext context, int index, byte[] buffer, CancellationToken ct)
    {
        var blob = context.PullBlobs[index % context.PullBlobs.Count];
        var read = await context.Client.PullAsync(blob.Digest, buffer, ct);
        if (read != blob.Length)
        {
            throw new InvalidOperationException($"GET blob {blob.Digest} returned {read} bytes, expected {blob.Length}");
        }
    }
}

internal sealed class ManifestPutRow(BlobFactory blobs, int operations) : Row("manifest-put", "manifest put (PUT by tag, OCI)", operations, 0)
{
    public override Task PrepareAsync(RegistryContext context, CancellationToken ct) => Setup.EnsureBaseAsync(context, blobs, ct);

    public override Task RunAsync(RegistryContext context, int index, byte[] buffer, CancellationToken ct)
    {
        var sequence = context.NextSequence();
        var (manifest, digest) = Setup.Manifest(context, sequence);
        return context.Client.PutManifestAsync(string.Create(CultureInfo.InvariantCulture, $"put-{sequence}"), manifest, digest, ct);
    }
}

internal sealed class ManifestGetRow(BlobFactory blobs, int operations) : Row("manifest-get", "manifest get (GET by tag, OCI)", operations, 0)
{
    public override async Task PrepareAsync(RegistryContext context, CancellationToken ct)
    {
        await Setup.EnsureBaseAsync(context, blobs, ct);
        while (context.GetTags.Count < 32)
        {
            var sequence = context.NextSequence();
            var (manifest, digest) = Setup.Manifest(context, sequence);
            var tag = string.Create(CultureInfo.InvariantCulture, $"get-{sequence}");
            await context.Client.PutManifestAsync(tag, manifest, digest, ct);
            context.GetTags.Add(tag);
        }
    }

    public override async Task RunAsync(RegistryContext context, int index, byte[] buffer, CancellationToken ct)
    {
        if (await context.Client.GetManifestAsync(context.GetTags[index % context.GetTags.Count], ct) < 100)
        {
            throw new InvalidOperationException("GET manifest returned a short body");
        }
    }
}

internal static class Setup
{
    private const int PullBlobCount = 8;

    /// <summary>Pushes (once) the blobs the pull row reads and a config blob, and checks one round trip byte for byte.</summary>
    public static async Task EnsureBaseAsync(RegistryContext context, BlobFactory blobs, CancellationToken ct)
    {
        if (context.Config is not null)
        {
            return;
        }

        while (context.PullBlobs.Count < PullBlobCount)
        {
            var blob = blobs.Create(context.NextSequence());
            await context.Client.PushMonolithicAsync(blob, ct);
            context.PullBlobs.Add(blob);
        }

        var first = context.PullBlobs[0];
        await using (var body = await context.Client.OpenBlobAsync(first.Digest, ct))
        {
            var actual = "sha256:" + Convert.ToHexStringLower(await SHA256.HashDataAsync(body, ct));
            if (actual != first.Digest)
            {
                throw new InvalidOperationException($"{context.Server.Name} served {actual} for {first.Digest}");
            }
        }

        var config = Encoding.UTF8.GetBytes("""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"config":{}}""");
        var configBlob = new SyntheticBlob(config, [], "sha256:" + Convert.ToHexStringLower(SHA256.HashData(config)));
        await context.Client.PushMonolithicAsync(configBlob, ct);
        context.Config = configBlob;
    }

    /// <summary>A distinct OCI image manifest (its annotation carries <paramref name="sequence"/>) and its digest.</summary>
    public static (byte[] Manifest, string Digest) Manifest(RegistryContext context, long sequence)
    {
        var config = context.Config!;
        var layers = string.Join(',', context.PullBlobs.Take(2).Select(b =>
            $$"""{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{{b.Digest}}","size":{{b.Length}}}"""));
        var json = string.Create(CultureInfo.InvariantCulture, $$$"""
            {"schemaVersion":2,"mediaType":"{{{RegistryClient.ManifestMediaType}}}","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{{{config.Digest}}}","size":{{{config.Length}}}},"layers":[{{{layers}}}],"annotations":{"org.example.bench.sequence":"{{{sequence}}}"}}
            """);
        var bytes = Encoding.UTF8.GetBytes(json);
        return (bytes, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }
}

internal static class Sizes
{
    public static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 when bytes % (1L << 30) == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes >> 30} GiB"),
        >= 1L << 20 when bytes % (1L << 20) == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes >> 20} MiB"),
        >= 1L << 10 when bytes % (1L << 10) == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes >> 10} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
    };
}
