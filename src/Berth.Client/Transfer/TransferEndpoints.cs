using Berth.Client.Registry;
using Berth.Client.Transfer.DockerArchive;
using Berth.Client.Transfer.OciLayout;

namespace Berth.Client.Transfer;

/// <summary>Opens the source or destination an <see cref="ImageReference"/> names.</summary>
public static class TransferEndpoints
{
    /// <summary>Opens a source.</summary>
    /// <param name="reference">Where the image is.</param>
    /// <param name="options">Registry access.</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>The source; the caller disposes it.</returns>
    /// <exception cref="TransferException">It cannot be opened.</exception>
    public static async Task<IImageSource> OpenSourceAsync(ImageReference reference, TransferOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return reference switch
        {
            RegistryImageReference registry => await RegistryImageSource.OpenAsync(registry, options, cancellationToken).ConfigureAwait(false),
            OciLayoutReference layout => OciLayoutSource.Open(layout),
            DockerArchiveReference archive => DockerArchiveSource.Open(archive),
            _ => throw new TransferException($"{reference.Text}: not supported as a source yet"),
        };
    }

    /// <summary>Opens a destination.</summary>
    /// <param name="reference">Where the image goes.</param>
    /// <param name="options">Registry access.</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>The destination; the caller disposes it.</returns>
    /// <exception cref="TransferException">It cannot be opened.</exception>
    public static async Task<IImageDestination> OpenDestinationAsync(ImageReference reference, TransferOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return reference switch
        {
            RegistryImageReference registry => await RegistryImageDestination.OpenAsync(registry, options, cancellationToken).ConfigureAwait(false),
            OciLayoutReference layout => OciLayoutDestination.Create(layout),
            DockerArchiveReference archive => DockerArchiveDestination.Create(archive),
            _ => throw new TransferException($"{reference.Text}: not supported as a destination yet"),
        };
    }
}
