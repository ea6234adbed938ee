using System.CommandLine;
using System.Globalization;
using Berth.Cli.Progress;
using Berth.Client.Auth;
using Berth.Client.Transfer;
using Spectre.Console;

namespace Berth.Cli.Commands;

/// <summary><c>berth push</c>, <c>berth pull</c> and <c>berth copy</c>: one copier, three sets of allowed ends.</summary>
internal static class TransferCommands
{
    private enum Direction
    {
        Push,
        Pull,
        Copy,
    }

    public static Command Push(CliContext context) => Create(
        context,
        Direction.Push,
        "Push an image or multi-arch index from an OCI layout (oci:DIR[:TAG]) or a docker-archive (docker-archive:FILE) to a registry (HOST/REPO[:TAG]).");

    public static Command Pull(CliContext context) => Create(
        context,
        Direction.Pull,
        "Pull an image or multi-arch index from a registry (HOST/REPO[:TAG|@DIGEST]) into an OCI layout (oci:DIR[:TAG]) or a docker-archive (docker-archive:FILE[:NAME:TAG]).");

    public static Command Copy(CliContext context) => Create(
        context,
        Direction.Copy,
        "Copy an image or multi-arch index between registries, OCI layouts and docker-archives (skopeo's reference syntax).");

    private static Command Create(CliContext context, Direction direction, string description)
    {
        var source = new Argument<string>("SOURCE") { Description = "Where the image is" };
        var destination = new Argument<string>("DESTINATION") { Description = "Where it goes" };
        var tlsVerify = new Option<bool>("--tls-verify")
        {
            Description = "Require https with a verified certificate; --tls-verify=false skips verification and falls back to http",
            DefaultValueFactory = _ => true,
        };
        var authFile = new Option<string?>("--authfile") { Description = "Path of the authentication file [env: REGISTRY_AUTH_FILE]" };
        var jobs = new Option<int>("--jobs", "-j") { Description = "How many blobs move at once", DefaultValueFactory = _ => 4 };
        var chunkSize = new Option<string>("--chunk-size") { Description = "Bytes per upload request (PATCH); an interrupted upload resumes at the offset the registry reports", DefaultValueFactory = _ => "64MiB" };
        var platform = new Option<string?>("--platform") { Description = "Copy only this platform's image from an index (OS/ARCH[/VARIANT]); a docker-archive destination defaults to this machine's" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only the manifest digest" };
        var command = new Command(direction.ToString().ToLowerInvariant(), description)
        {
            source, destination, tlsVerify, authFile, jobs, chunkSize, platform, quiet,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            context,
            direction,
            new TransferRequest(
                parse.GetValue(source)!,
                parse.GetValue(destination)!,
                parse.GetValue(tlsVerify),
                parse.GetValue(authFile),
                parse.GetValue(jobs),
                parse.GetValue(chunkSize)!,
                parse.GetValue(platform),
                parse.GetValue(quiet)),
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, Direction direction, TransferRequest request, CancellationToken cancellationToken)
    {
        if (!ImageReference.TryParse(request.Source, out var from, out var error) || !ImageReference.TryParse(request.Destination, out var to, out error))
        {
            return LoginSupport.Fail(context, error, ExitCodes.Usage);
        }

        if (Misdirected(direction, from, to) is { } wrongWay)
        {
            return LoginSupport.Fail(context, wrongWay, ExitCodes.Usage);
        }

        if (request.Jobs is < 1 or > 64)
        {
            return LoginSupport.Fail(context, "--jobs must be between 1 and 64", ExitCodes.Usage);
        }

        if (!ByteSizes.TryParse(request.ChunkSize, out var chunkSize) || chunkSize < 64 * 1024)
        {
            return LoginSupport.Fail(context, $"invalid --chunk-size \"{request.ChunkSize}\": give bytes or a size like 16MiB (at least 64KiB)", ExitCodes.Usage);
        }

        try
        {
            var options = new TransferOptions
            {
                TlsVerify = request.TlsVerify,
                AuthFiles = LoginSupport.Locations(context, request.AuthFile),
                Environment = context.Environment,
                Time = context.Time,
                Jobs = request.Jobs,
                ChunkSize = chunkSize,
                Platform = request.Platform,
            };
            var started = context.Time.GetTimestamp();
            await using var source = await TransferEndpoints.OpenSourceAsync(from, options, cancellationToken);
            await using var destination = await TransferEndpoints.OpenDestinationAsync(to, options, cancellationToken);
            var result = await CopyWithProgressAsync(context, request.Quiet, options, source, destination, cancellationToken);
            if (!request.Quiet)
            {
                var elapsed = context.Time.GetElapsedTime(started);
                context.Error.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"Copied {result.BlobsCopied} blob(s), {ByteSizes.Format(result.BytesCopied)} in {elapsed.TotalSeconds:0.0} s ({LineProgress.Rate(result.BytesCopied, elapsed)}); skipped {result.BlobsSkipped}; {result.Manifests} manifest(s) to {destination.Name}"));
            }

            context.Out.WriteLine(result.Digest);
            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is TransferException or AuthFileException or IOException or UnauthorizedAccessException)
        {
            return LoginSupport.Fail(context, e.Message, ExitCodes.Failure);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return LoginSupport.Fail(context, "interrupted; run the same command again to resume (blobs already copied are skipped)", ExitCodes.Failure);
        }
    }

    private static Task<CopyResult> CopyWithProgressAsync(
        CliContext context, bool quiet, TransferOptions options, IImageSource source, IImageDestination destination, CancellationToken cancellationToken)
    {
        if (quiet)
        {
            return new ImageCopier(options, SilentProgress.Instance).CopyAsync(source, destination, cancellationToken);
        }

        // Bars only when stderr is this process's terminal; anything else (a pipe, a log, a test) gets plain lines.
        if (ReferenceEquals(context.Error, Console.Error) && !Console.IsErrorRedirected)
        {
            var terminal = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            if (terminal.Profile.Capabilities.Interactive && terminal.Profile.Capabilities.Ansi)
            {
                return BarProgress.RunAsync(terminal, progress => new ImageCopier(options, progress).CopyAsync(source, destination, cancellationToken));
            }
        }

        return new ImageCopier(options, new LineProgress(context.Error, context.Time)).CopyAsync(source, destination, cancellationToken);
    }

    private static string? Misdirected(Direction direction, ImageReference from, ImageReference to) => direction switch
    {
        Direction.Push when from is RegistryImageReference => $"push copies from a local image (oci:DIR[:TAG] or docker-archive:FILE), not from the registry image \"{from.Text}\"; use 'berth copy' between registries",
        Direction.Push when to is not RegistryImageReference => $"push copies to a registry (HOST/REPO[:TAG]), not to \"{to.Text}\"; use 'berth copy' between local formats",
        Direction.Pull when from is not RegistryImageReference => $"pull copies from a registry (HOST/REPO[:TAG|@DIGEST]), not from \"{from.Text}\"",
        Direction.Pull when to is RegistryImageReference => $"pull copies to a local image (oci:DIR[:TAG] or docker-archive:FILE), not to the registry image \"{to.Text}\"; use 'berth copy' between registries",
        _ => null,
    };

    private sealed record TransferRequest(string Source, string Destination, bool TlsVerify, string? AuthFile, int Jobs, string ChunkSize, string? Platform, bool Quiet);

    private sealed class SilentProgress : ITransferProgress
    {
        public static readonly SilentProgress Instance = new();

        public void BlobQueued(Protocol.Oci.Descriptor blob)
        {
        }

        public void BlobPosition(Protocol.Oci.Descriptor blob, long position)
        {
        }

        public void BlobSkipped(Protocol.Oci.Descriptor blob, BlobPresence presence)
        {
        }

        public void BlobCompleted(Protocol.Oci.Descriptor blob)
        {
        }

        public void ManifestWritten(ManifestContent manifest, bool isRoot)
        {
        }
    }
}
