using Berth.Registry;
using Berth.Registry.Audit;
using Berth.Server.Auth;

namespace Berth.Server.Audit;

/// <summary>Writes audit events for the current request: caller ARN and address come from the request.</summary>
internal static class HttpAudit
{
    public static void Audit(this HttpContext http, string name, string? action, string? resource, IReadOnlyDictionary<string, string>? details = null)
    {
        var services = http.RequestServices;
        var principal = http.Features.Get<IRegistryIdentityFeature>()?.Principal;
        var arn = principal is null ? null : services.GetRequiredService<RegistryOptions>().UserArn(principal.Name);
        services.GetRequiredService<IAuditLog>().Write(
            new AuditEvent(name, arn, http.Connection.RemoteIpAddress?.ToString(), action, resource, details));
    }
}
