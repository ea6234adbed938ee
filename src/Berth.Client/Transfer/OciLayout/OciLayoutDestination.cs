using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Protocol.Oci;

namespace Berth.Client.Transfer.OciLayout;

/// <summary>Writes an image into an OCI image layout directory, creating it when needed; other images in it stay.</summary>
/// <remarks>Blobs are written to a temporary file, hashed while written and renamed into place only when digest and size
/// match, so an interrupted or corrupt copy never leaves a wrong blob under a digest's name. <c>index.json</c> is
/// replaced atomically at commit, so the layout names the new image only once everything it needs is there.</remarks>
public sealed class OciLayoutDestination : IImageDestination
{
    private static readonly JsonSerializerOptions IndexJson = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly string _directory;
    private readonly string? _tag;
    private ManifestContent? _root;

    private OciLayoutDestination(OciLayoutReference reference)
    {
        Name = reference.Text;
        _directory = reference.Directory;
        _tag = reference.Tag;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public bool SupportsIndex => true;

    /// <summary>Opens or creates the layout.</summary>
    /// <param name="reference">The directory and the tag to write.</param>
    /// <returns>The destination.</returns>
    /// <exception cref="TransferException">The directory cannot be created, or holds something that is not a layout.</exception>
    public static OciLayoutDestination Create(OciLayoutReference reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        try
        {
            if (Directory.Exists(reference.Directory) && Directory.EnumerateFileSystemEntries(reference.Directory).Any()
                && !File.Exists(OciLayoutFiles.LayoutPath(reference.Directory)))
            {
                throw new TransferException($"{reference.Directory} exists and is not an OCI image layout; choose an empty or new directory");
            }

            Directory.CreateDirectory(Path.Combine(reference.Directory, "blobs", "sha256"));
            var layout = OciLayoutFiles.LayoutPath(reference.Directory);
            if (!File.Exists(layout))
            {
                File.WriteAllText(layout, """{"imageLayoutVersion":"1.0.0"}""");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TransferException($"cannot create the OCI layout {reference.Directory}: {e.Message}", e);
        }

        return new OciLayoutDestination(reference);
    }

    /// <inheritdoc/>
    public Task<BlobPresence> PrepareBlobAsync(Descriptor blob, RegistryLocation? source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        var file = new FileInfo(OciLayoutFiles.BlobPath(_directory, blob.Digest));
        return Task.FromResult(file.Exists && file.Length == blob.Size ? BlobPresence.Exists : BlobPresence.Missing);
    }

    /// <inheritdoc/>
    public Task PutBlobAsync(Descriptor blob, BlobOpener open, Action<long> position, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        return VerifiedBlob.WriteFileAsync(OciLayoutFiles.BlobPath(_directory, blob.Digest), blob, open, position, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task PutManifestAsync(ManifestContent manifest, bool isRoot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var descriptor = manifest.ToDescriptor();
        await VerifiedBlob.WriteFileAsync(
            OciLayoutFiles.BlobPath(_directory, manifest.Digest),
            descriptor,
            (_, _) => Task.FromResult<Stream>(new MemoryStream(manifest.Bytes, writable: false)),
            _ => { },
            cancellationToken).ConfigureAwait(false);
        if (isRoot)
        {
            _root = manifest;
        }
    }

    /// <inheritdoc/>
    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        var root = _root ?? throw new InvalidOperationException("commit before the root manifest was written");
        var index = OciLayoutFiles.ReadIndex(_directory) ?? new JsonObject { ["schemaVersion"] = 2, ["mediaType"] = Protocol.MediaTypes.OciIndex };
        if (index["manifests"] is not JsonArray manifests)
        {
            manifests = [];
            index["manifests"] = manifests;
        }

        // One image per tag, as skopeo does; an untagged copy replaces only an untagged entry of the same digest.
        foreach (var stale in manifests.OfType<JsonObject>().Where(IsReplacedBy).ToList())
        {
            manifests.Remove(stale);
        }

        var entry = new JsonObject { ["mediaType"] = root.MediaType, ["digest"] = root.Digest, ["size"] = root.Bytes.LongLength };
        if (_tag is not null)
        {
            entry["annotations"] = new JsonObject { [OciLayoutFiles.RefNameAnnotation] = _tag };
        }

        manifests.Add(entry);
        var path = OciLayoutFiles.IndexPath(_directory);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            await File.WriteAllTextAsync(temporary, index.ToJsonString(IndexJson), cancellationToken).ConfigureAwait(false);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(temporary);
            throw new TransferException($"cannot write {path}: {e.Message}", e);
        }

        bool IsReplacedBy(JsonObject existing)
        {
            var tag = existing["annotations"]?[OciLayoutFiles.RefNameAnnotation]?.GetValue<string>();
            return _tag is not null ? tag == _tag : tag is null && existing["digest"]?.GetValue<string>() == root.Digest;
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
