using System.Net;
using Berth.Registry;

namespace Berth.Server.Hosting;

/// <summary>Everything <c>berth serve</c> can be told; the defaults are the embedded setup of DESIGN.md.</summary>
public sealed record BerthServerOptions
{
    /// <summary>Where the key ring, metadata and credentials live.</summary>
    public string DataDirectory { get; init; } = "berth-data";

    /// <summary>The address to listen on; port 0 picks a free one.</summary>
    public IPEndPoint Listen { get; init; } = new(IPAddress.Loopback, 5000);

    /// <summary>Account, region and token lifetime.</summary>
    public RegistryOptions Registry { get; init; } = new();

    /// <summary>The registry URL clients use (<c>proxyEndpoint</c>, Basic realm); by default <c>https://</c> + the request's Host.</summary>
    public Uri? PublicUrl { get; init; }

    /// <summary>How often lifecycle policies are enforced; zero or less turns the background job off.</summary>
    public TimeSpan LifecycleInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How far a SigV4 timestamp may be from the server's clock.</summary>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Failed authentications from one address or for one access key, within <see cref="AuthFailureWindow"/>,
    /// after which further attempts are throttled until the window passes; 0 turns throttling off.</summary>
    public int AuthFailureLimit { get; init; } = 20;

    /// <summary>The window in which failed authentications are counted (it starts at the first failure).</summary>
    public TimeSpan AuthFailureWindow { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Parses <c>host:port</c> (IPv4, <c>[IPv6]:port</c>, or <c>localhost:port</c>).</summary>
    public static bool TryParseListen(string value, out IPEndPoint endpoint)
    {
        if (value.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase))
        {
            value = "127.0.0.1" + value["localhost".Length..];
        }

        return IPEndPoint.TryParse(value, out endpoint!) && value.Contains(':', StringComparison.Ordinal) && endpoint.Port is >= 0 and <= 65535;
    }
}
