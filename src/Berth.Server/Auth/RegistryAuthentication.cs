using System.Net.Http.Headers;
using Berth.Protocol.Tokens;
using Berth.Registry;
using Berth.Registry.Security;
using Berth.Server.Errors;
using Berth.Server.Hosting;

namespace Berth.Server.Auth;

/// <summary>Authenticates every <c>/v2</c> request with HTTP Basic <c>AWS:&lt;token&gt;</c>, as Amazon ECR does.</summary>
/// <remarks>
/// containers/image sends credentials only after it has seen a <c>Basic</c> challenge on the unauthenticated ping, so
/// every 401 carries one; without it <c>podman login</c> would "succeed" with any password.
/// </remarks>
internal sealed class RegistryAuthentication(RequestDelegate next, ITokenService tokens, BerthServerOptions options, AuthFailureThrottle throttle)
{
    public const string ApiVersionHeader = "Docker-Distribution-Api-Version";

    public async Task InvokeAsync(HttpContext http)
    {
        http.Response.Headers[ApiVersionHeader] = "registry/2.0";
        var address = http.Connection.RemoteIpAddress;
        if (throttle.RetryAfter(address, null) is { } wait)
        {
            http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            await ErrorResults.Oci(RegistryError.TooManyRequests, "too many failed authentications from this address; retry later").ExecuteAsync(http);
            return;
        }

        var credentials = ReadBasic(http.Request);
        if (credentials is null || credentials.UserName != TokenEnvelope.UserName)
        {
            // The anonymous ping every client starts with is not a failed authentication.
            if (http.Request.Headers.Authorization.Count > 0)
            {
                throttle.RecordFailure(address, null);
            }

            await ChallengeAsync(http, credentials is null && http.Request.Headers.Authorization.Count == 0
                ? null
                : "credentials must be user 'AWS' and a password from GetAuthorizationToken");
            return;
        }

        TokenIdentity identity;
        try
        {
            identity = await tokens.ValidateAsync(credentials.Password, http.RequestAborted);
        }
        catch (RegistryException failure) when (failure.Error == RegistryError.Unauthorized)
        {
            throttle.RecordFailure(address, null);
            await ChallengeAsync(http, failure.Detail);
            return;
        }

        http.Features.Set<IRegistryIdentityFeature>(new RegistryIdentityFeature(identity.Principal));
        await next(http);
    }

    private Task ChallengeAsync(HttpContext http, string? detail)
    {
        var realm = RegistryUrl.For(http.Request, options.PublicUrl) + "/";
        http.Response.Headers.WWWAuthenticate = $"Basic realm=\"{realm}\",service=\"ecr.amazonaws.com\"";
        return ErrorResults.Oci(RegistryError.Unauthorized, detail).ExecuteAsync(http);
    }

    private static BasicCredentials? ReadBasic(HttpRequest request) =>
        AuthenticationHeaderValue.TryParse(request.Headers.Authorization.ToString(), out var header)
        && string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase)
            ? BasicCredentials.TryDecode(header.Parameter)
            : null;
}
