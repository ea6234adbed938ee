using Berth.Protocol.Oci;

namespace Berth.Client.Transfer.OciLayout;

/// <summary>Reads an image from an OCI image layout directory.</summary>
public sealed class OciLayoutSource : IImageSource
{
    private readonly string _directory;
    private readonly Descriptor _root;

    private OciLayoutSource(OciLayoutReference reference, Descriptor root)
    {
        Name = reference.Text;
        _directory = reference.Directory;
        _root = root;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public RegistryLocation? Location => null;

    /// <summary>Opens a layout and finds the image the reference names: the entry tagged with its tag, or the only
    /// entry when it has none.</summary>
    /// <param name="reference">The layout and tag.</param>
    /// <returns>The source.</returns>
    /// <exception cref="TransferException">The directory is not a layout, or the tag is not in it.</exception>
    public static OciLayoutSource Open(OciLayoutReference reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var index = OciLayoutFiles.ReadIndex(reference.Directory);
        if (index is null || !File.Exists(OciLayoutFiles.LayoutPath(reference.Directory)))
        {
            throw new TransferException($"{reference.Directory} is not an OCI image layout (no oci-layout and index.json)");
        }

        var entries = OciLayoutFiles.Entries(index).ToList();
        var matches = reference.Tag is null ? entries : entries.Where(e => e.Tag == reference.Tag).ToList();
        return matches switch
        {
            [var only] => new OciLayoutSource(reference, only.Descriptor),
            [] when reference.Tag is not null => throw new TransferException($"no image tagged \"{reference.Tag}\" in the OCI layout {reference.Directory}"),
            [] => throw new TransferException($"the OCI layout {reference.Directory} holds no image"),
            _ when reference.Tag is not null => throw new TransferException($"the OCI layout {reference.Directory} has several images tagged \"{reference.Tag}\""),
            _ => throw new TransferException(
                $"the OCI layout {reference.Directory} holds {matches.Count} images; name one as oci:DIR:TAG (tags: {string.Join(", ", matches.Select(m => m.Tag ?? "<none>"))})"),
        };
    }

    /// <inheritdoc/>
    public async Task<ManifestContent> GetManifestAsync(string? digest, CancellationToken cancellationToken)
    {
        var wanted = digest ?? _root.Digest;
        var path = OciLayoutFiles.BlobPath(_directory, wanted);
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TransferException($"cannot read manifest {wanted} from the OCI layout {_directory}: {e.Message}", e);
        }

        var content = ManifestContent.From(bytes, OciLayoutFiles.MediaTypeOf(bytes, digest is null ? _root.MediaType : null), wanted);
        return content.Digest == wanted
            ? content
            : throw new TransferException($"manifest {wanted} in the OCI layout {_directory} is corrupt: its content hashes to {content.Digest}");
    }

    /// <inheritdoc/>
    public Task<Stream> OpenBlobAsync(Descriptor blob, long offset, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        var path = OciLayoutFiles.BlobPath(_directory, blob.Digest);
        try
        {
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
            stream.Position = offset;
            return Task.FromResult<Stream>(stream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TransferException($"cannot read blob {blob.Digest} from the OCI layout {_directory}: {e.Message}", e);
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
