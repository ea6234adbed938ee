using Berth.Registry.Security;

namespace Berth.Server.Auth;

/// <summary>The authenticated caller of the current request.</summary>
internal interface IRegistryIdentityFeature
{
    Principal Principal { get; }

    string UserName => Principal.Name;
}

internal sealed record RegistryIdentityFeature(Principal Principal) : IRegistryIdentityFeature;

/// <summary>The URL clients know the registry by.</summary>
internal static class RegistryUrl
{
    // Like ECR, proxyEndpoint is https:// unless the operator says otherwise with --public-url.
    public static string For(HttpRequest request, Uri? publicUrl) =>
        publicUrl is not null ? publicUrl.GetLeftPart(UriPartial.Authority) : "https://" + request.Host.Value;
}
