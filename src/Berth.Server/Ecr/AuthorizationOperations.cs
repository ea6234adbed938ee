using Berth.Protocol.Ecr;
using Berth.Protocol.Tokens;
using Berth.Registry;
using Berth.Registry.Audit;
using Berth.Registry.Security;
using Berth.Server.Audit;
using Berth.Server.Auth;
using Berth.Server.Hosting;

namespace Berth.Server.Ecr;

/// <summary><c>GetAuthorizationToken</c>: trades a signed request for a registry password.</summary>
internal static class AuthorizationOperations
{
    public static async ValueTask<IResult> GetAuthorizationTokenAsync(EcrCall call)
    {
        var services = call.Http.RequestServices;
        var options = services.GetRequiredService<BerthServerOptions>();
        var input = call.Body.Length == 0
            ? new GetAuthorizationTokenRequest()
            : call.Read(EcrJsonContext.Default.GetAuthorizationTokenRequest);

        if (input.RegistryIds is { } ids)
        {
            if (ids.Count is < 1 or > 10 || ids.Any(id => id.Length != 12 || !id.All(char.IsAsciiDigit)))
            {
                throw new RegistryException(
                    RegistryError.InvalidParameter,
                    "Invalid parameter at 'registryIds' failed to satisfy constraint: 'Member must have length between 1 and 10, each member matching [0-9]{12}'");
            }

            if (ids.Any(id => id != options.Registry.AccountId))
            {
                throw new RegistryException(
                    RegistryError.InvalidParameter,
                    $"This registry's id is '{options.Registry.AccountId}'; it cannot issue tokens for another registry.");
            }
        }

        // Like ECR, the permission is on "*": one token opens every repository the caller may reach.
        await services.GetRequiredService<Authorizer>().RequireResourceAsync(call.Http, EcrActions.GetAuthorizationToken, "*");
        var token = services.GetRequiredService<ITokenService>().Issue(call.Caller);
        // Who got a token with which key, and until when; never the token itself.
        call.Http.Audit(AuditEvent.TokenIssued, EcrActions.GetAuthorizationToken, "*", new Dictionary<string, string>
        {
            ["userName"] = call.Caller.Principal.Name,
            ["accessKeyId"] = call.Caller.AccessKeyId,
            ["expiresAt"] = token.ExpiresAt.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        });
        var endpoint = RegistryUrl.For(call.Http.Request, options.PublicUrl);
        var data = new AuthorizationData(
            new BasicCredentials(TokenEnvelope.UserName, token.Password).Encode(),
            token.ExpiresAt.ToUnixTimeSeconds(),
            endpoint);

        // One entry even when several identical registryIds were asked for: one token opens the whole registry.
        return TypedResults.Json(
            new GetAuthorizationTokenResponse([data]),
            EcrJsonContext.Default.GetAuthorizationTokenResponse,
            EcrProtocol.ContentType);
    }
}
