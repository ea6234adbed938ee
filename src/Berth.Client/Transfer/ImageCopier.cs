using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Protocol;
using Berth.Protocol.Oci;

namespace Berth.Client.Transfer;

/// <summary>What a copy did.</summary>
/// <param name="Digest">The digest of the root manifest written.</param>
/// <param name="MediaType">Its media type.</param>
/// <param name="Manifests">How many manifests were written (the root and its children).</param>
/// <param name="BlobsCopied">Blobs whose bytes moved.</param>
/// <param name="BlobsSkipped">Blobs the destination already had or mounted.</param>
/// <param name="BytesCopied">Bytes of the blobs that moved.</param>
public sealed record CopyResult(string Digest, string MediaType, int Manifests, int BlobsCopied, int BlobsSkipped, long BytesCopied);

/// <summary>Copies an image or a whole multi-arch index from a source to a destination.</summary>
/// <remarks>
/// Blobs go first, largest first, a bounded number at once; then child manifests; the root last, so a destination
/// never names an image whose parts are not all there. Manifests travel byte for byte, so digests are unchanged.
/// </remarks>
public sealed class ImageCopier(TransferOptions options, ITransferProgress progress)
{
    /// <summary>Copies the image <paramref name="source"/> names to <paramref name="destination"/>.</summary>
    /// <param name="source">Where from.</param>
    /// <param name="destination">Where to.</param>
    /// <param name="cancellationToken">Cancels the copy.</param>
    /// <returns>What was copied.</returns>
    /// <exception cref="TransferException">Any part of the copy failed.</exception>
    public async Task<CopyResult> CopyAsync(IImageSource source, IImageDestination destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        var root = await source.GetManifestAsync(null, cancellationToken).ConfigureAwait(false);
        if (root.IsIndex && (options.Platform is not null || !destination.SupportsIndex))
        {
            root = await SelectPlatformAsync(source, root, options.Platform ?? HostPlatform(), destination, cancellationToken).ConfigureAwait(false);
        }

        var children = new List<ManifestContent>();
        var blobs = new Dictionary<string, Descriptor>(StringComparer.Ordinal);
        await CollectAsync(source, root, children, blobs, depth: 0, cancellationToken).ConfigureAwait(false);

        var ordered = blobs.Values.OrderByDescending(b => b.Size).ToList();
        foreach (var blob in ordered)
        {
            progress.BlobQueued(blob);
        }

        int copied = 0, skipped = 0;
        long bytes = 0;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Jobs), CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(ordered, parallel, async (blob, token) =>
        {
            var presence = await destination.PrepareBlobAsync(blob, source.Location, token).ConfigureAwait(false);
            if (presence != BlobPresence.Missing)
            {
                Interlocked.Increment(ref skipped);
                progress.BlobSkipped(blob, presence);
                return;
            }

            await destination.PutBlobAsync(blob, (offset, t) => source.OpenBlobAsync(blob, offset, t), position => progress.BlobPosition(blob, position), token).ConfigureAwait(false);
            Interlocked.Increment(ref copied);
            Interlocked.Add(ref bytes, blob.Size);
            progress.BlobCompleted(blob);
        }).ConfigureAwait(false);

        foreach (var child in children)
        {
            await destination.PutManifestAsync(child, isRoot: false, cancellationToken).ConfigureAwait(false);
            progress.ManifestWritten(child, isRoot: false);
        }

        await destination.PutManifestAsync(root, isRoot: true, cancellationToken).ConfigureAwait(false);
        progress.ManifestWritten(root, isRoot: true);
        await destination.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new CopyResult(root.Digest, root.MediaType, children.Count + 1, copied, skipped, bytes);
    }

    // Depth-first, children before their parent, so every manifest a registry receives refers only to stored content.
    private static async Task CollectAsync(
        IImageSource source, ManifestContent manifest, List<ManifestContent> children, Dictionary<string, Descriptor> blobs, int depth, CancellationToken cancellationToken)
    {
        if (depth > 4)
        {
            throw new TransferException($"manifest {manifest.Digest} nests indexes deeper than 4 levels");
        }

        var document = manifest.Parse();
        if (manifest.IsIndex)
        {
            foreach (var child in document.Manifests ?? [])
            {
                var content = await GetChildAsync(source, child, cancellationToken).ConfigureAwait(false);
                await CollectAsync(source, content, children, blobs, depth + 1, cancellationToken).ConfigureAwait(false);
                if (!children.Any(c => c.Digest == content.Digest))
                {
                    children.Add(content);
                }
            }

            return;
        }

        if (!MediaTypes.IsSupportedManifest(manifest.MediaType))
        {
            throw new TransferException($"manifest {manifest.Digest} has media type \"{manifest.MediaType}\", which Berth does not copy");
        }

        foreach (var blob in (document.Config is null ? [] : new[] { document.Config }).Concat(document.Layers ?? []))
        {
            if (!Digest.TryParse(blob.Digest, out _) || blob.Size < 0)
            {
                throw new TransferException($"manifest {manifest.Digest} lists a blob with an invalid digest or size");
            }

            blobs.TryAdd(blob.Digest!, blob);
        }
    }

    private static async Task<ManifestContent> GetChildAsync(IImageSource source, Descriptor child, CancellationToken cancellationToken)
    {
        if (!Digest.TryParse(child.Digest, out _))
        {
            throw new TransferException($"an index lists a manifest with the invalid digest \"{child.Digest}\"");
        }

        // Every source computes ManifestContent.Digest from the bytes (in the algorithm asked for), so comparing it is
        // the verification; hashing again here would also refuse sha512 children.
        var content = await source.GetManifestAsync(child.Digest, cancellationToken).ConfigureAwait(false);
        if (content.Digest != child.Digest)
        {
            throw new TransferException($"manifest {child.Digest} from {source.Name} does not match its digest");
        }

        // The index's descriptor is authoritative for the type (a child may omit mediaType).
        return child.MediaType is { Length: > 0 } declared && declared != content.MediaType ? content with { MediaType = declared } : content;
    }

    private static async Task<ManifestContent> SelectPlatformAsync(
        IImageSource source, ManifestContent index, string platform, IImageDestination destination, CancellationToken cancellationToken)
    {
        var parts = platform.Split('/');
        if (parts.Length is < 2 or > 3 || parts.Any(p => p.Length == 0))
        {
            throw new TransferException($"invalid platform \"{platform}\": use OS/ARCH[/VARIANT], e.g. linux/amd64");
        }

        JsonArray? manifests;
        try
        {
            manifests = JsonNode.Parse(index.Bytes)?["manifests"] as JsonArray;
        }
        catch (JsonException e)
        {
            throw new TransferException($"index {index.Digest} is not valid JSON: {e.Message}");
        }

        var available = new List<string>();
        foreach (var entry in manifests?.OfType<JsonObject>() ?? [])
        {
            var os = entry["platform"]?["os"]?.GetValue<string>();
            var architecture = entry["platform"]?["architecture"]?.GetValue<string>();
            var variant = entry["platform"]?["variant"]?.GetValue<string>();
            if (os is null || architecture is null)
            {
                continue;
            }

            available.Add(variant is null ? $"{os}/{architecture}" : $"{os}/{architecture}/{variant}");
            if (os == parts[0] && architecture == parts[1] && (parts.Length == 2 || variant == parts[2]))
            {
                var descriptor = new Descriptor(entry["mediaType"]?.GetValue<string>(), entry["digest"]?.GetValue<string>(), entry["size"]?.GetValue<long>() ?? 0);
                return await GetChildAsync(source, descriptor, cancellationToken).ConfigureAwait(false);
            }
        }

        var why = destination.SupportsIndex ? "" : $" ({destination.Name} holds a single image)";
        throw new TransferException($"{source.Name} has no image for {platform}{why}; it has {(available.Count == 0 ? "no platform entries" : string.Join(", ", available))}; choose one with --platform");
    }

    /// <summary>This machine's platform in OCI terms, e.g. <c>linux/amd64</c>.</summary>
    /// <returns>The platform.</returns>
    public static string HostPlatform() => "linux/" + RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "amd64",
        Architecture.Arm64 => "arm64",
        Architecture.Arm => "arm/v7",
        Architecture.X86 => "386",
        var other => other.ToString().ToLowerInvariant(),
    };
}
