using System.Collections.Concurrent;
using Berth.Client.Registry;
using Berth.Protocol.Oci;
using Berth.Testing;
using static Berth.Client.Tests.Registry.RegistryTransferTestKit;

namespace Berth.Client.Tests.Registry;

/// <summary>A push to a real <c>berth serve</c> that is SIGKILLed in the middle of a PATCH and started again on the
/// same port and data directory while <see cref="RegistryImageDestination.PutBlobAsync"/> keeps retrying.</summary>
public sealed class RegistryUploadRestartTests : IDisposable
{
    private const long Mib = 1024 * 1024;

    private readonly TempDirectory _work = TempDirectory.Create("berth-xfer-restart-");

    private static string BerthDll => Path.Combine(AppContext.BaseDirectory, "berth.dll");

    [Fact]
    public async Task PutBlob_ServerKilledHardMidUploadAndRestartedOnTheSamePort_ResumesAndTheBlobMatches()
    {
        const int Seed = 256;
        const long Size = 256 * Mib;
        var digest = await PseudoRandomStream.DigestOfAsync(Seed, Size, Ct);
        var blob = new Descriptor(RegistryContent.OciLayer, digest, Size);
        var opened = new ConcurrentQueue<long>();
        var positions = new ConcurrentQueue<long>();
        var midway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var first = await BerthServeProcess.StartAsync(BerthDll, _work.Combine("data"), ["--create-on-push"], Ct);
        BerthServeProcess? second = null;
        try
        {
            var options = Options(_work, first.Host, await first.GetLoginPasswordAsync(BerthDll, Ct)) with
            {
                ChunkSize = 16 * Mib,
                RetryBudget = TimeSpan.FromMinutes(3),
            };
            await using var destination = await RegistryImageDestination.OpenAsync(Reference($"{first.Host}/crash/app:v1"), options, Ct);
            var put = destination.PutBlobAsync(
                blob,
                (offset, _) =>
                {
                    opened.Enqueue(offset);
                    return Task.FromResult<Stream>(new PseudoRandomStream(Seed, Size - offset, offset));
                },
                position =>
                {
                    positions.Enqueue(position);
                    if (position >= 100 * Mib)
                    {
                        midway.TrySetResult();
                    }
                },
                Ct);

            // 100 MiB is inside the seventh 16 MiB chunk: the kill lands in the middle of a PATCH body.
            await Task.WhenAny(midway.Task, put).WaitAsync(TimeSpan.FromMinutes(3), Ct);
            Assert.False(put.IsCompleted, put.Exception?.ToString() ?? "the upload finished before the kill");
            await first.KillHardAsync(Ct);
            Assert.Equal(128 + 9, first.ExitCode);

            // The client meets refused connections for a while (and backs off) before the registry is back.
            await Task.Delay(TimeSpan.FromSeconds(1), Ct);
            Assert.False(put.IsCompleted, put.Exception?.ToString() ?? "the upload finished without the registry");
            second = await first.StartAgainAsync(BerthDll, ["--create-on-push"], Ct);
            Assert.Equal(first.Port, second.Port);

            await put.WaitAsync(TimeSpan.FromMinutes(5), Ct);

            // It resumed where the restarted registry said the upload stood, not from byte 0.
            var offsets = opened.ToList();
            Assert.True(offsets.Count >= 2, string.Join(", ", offsets));
            Assert.Equal(0, offsets[0]);
            Assert.All(offsets.Skip(1), offset => Assert.InRange(offset, 16 * Mib, Size - 1));
            Assert.Equal(Size, positions.Last());

            await using var source = await RegistryImageSource.OpenAsync(Reference($"{second.Host}/crash/app:v1"), options, Ct);
            await using var stored = await source.OpenBlobAsync(blob, 0, Ct);
            Assert.Null(await PseudoRandomStream.CompareAsync(stored, Seed, Size, cancellationToken: Ct));
        }
        finally
        {
            await first.DisposeAsync();
            if (second is not null)
            {
                await second.DisposeAsync();
            }
        }
    }

    public void Dispose() => _work.Dispose();
}
