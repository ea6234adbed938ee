using Berth.Registry.Lifecycle;
using Berth.Server.Hosting;
using Microsoft.Extensions.Hosting;

namespace Berth.Server.Lifecycle;

/// <summary>Enforces lifecycle policies every <see cref="BerthServerOptions.LifecycleInterval"/> (ECR: "within 24 hours").</summary>
internal sealed partial class LifecycleWorker(
    LifecycleService lifecycle, BerthServerOptions options, TimeProvider time, ILogger<LifecycleWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.LifecycleInterval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.LifecycleInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var expired = await lifecycle.EnforceAsync(stoppingToken);
                LogRun(logger, expired.Count);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One failed run (e.g. a locked database) must not stop later ones.
                LogFailed(logger, e);
            }
        }
    }

    [LoggerMessage(EventId = 901, Level = LogLevel.Information, Message = "lifecycle run expired {Count} images")]
    private static partial void LogRun(ILogger logger, int count);

    [LoggerMessage(EventId = 902, Level = LogLevel.Error, Message = "lifecycle run failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
