using System.Diagnostics;
using Berth.Server.Auth;

namespace Berth.Server.Hosting;

/// <summary>Writes one structured line per request: method, path, status, duration, client, principal.</summary>
/// <remarks>Never logs headers, query strings or bodies: they can carry tokens and signatures.</remarks>
internal sealed partial class RequestLogging(RequestDelegate next, ILogger<RequestLogging> logger)
{
    /// <summary>Where an API without <c>X-Amz-Target</c> (IAM's <c>Action</c>) leaves the operation name for the log line.</summary>
    public const string OperationItem = "berth.operation";

    public async Task InvokeAsync(HttpContext http)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(http);
        }
        finally
        {
            if (logger.IsEnabled(LogLevel.Information))
            {
                var target = http.Request.Headers["X-Amz-Target"].ToString();
                var operation = target.Length > 0 ? target[(target.LastIndexOf('.') + 1)..] : http.Items[OperationItem] as string;
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                var client = http.Connection.RemoteIpAddress?.ToString();
                var principal = http.Features.Get<IRegistryIdentityFeature>()?.UserName;
                LogRequest(logger, http.Request.Method, http.Request.Path.Value ?? "/", operation, http.Response.StatusCode, elapsed, client, principal);
            }
        }
    }

    [LoggerMessage(EventId = 1000, Level = LogLevel.Information,
        Message = "{Method} {Path} {Operation} -> {Status} in {ElapsedMs:0.0} ms from {Client} as {Principal}")]
    private static partial void LogRequest(
        ILogger logger, string method, string path, string? operation, int status, double elapsedMs, string? client, string? principal);
}
