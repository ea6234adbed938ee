using System.Text.RegularExpressions;

namespace Berth.Client.CredentialHelper;

/// <summary>An Amazon ECR private registry host name, <c>&lt;account&gt;.dkr.ecr.&lt;region&gt;.amazonaws.com</c>.</summary>
/// <param name="AccountId">The 12-digit registry id.</param>
/// <param name="Region">The region.</param>
public sealed partial record EcrRegistryHost(string AccountId, string Region)
{
    /// <summary>Parses a host (a port is allowed and ignored); returns <see langword="null"/> for anything else.</summary>
    /// <remarks>The same pattern amazon-ecr-credential-helper accepts (FIPS and dual-stack forms included).</remarks>
    public static EcrRegistryHost? TryParse(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var colon = host.LastIndexOf(':');
        var name = colon > 0 ? host[..colon] : host;
        var match = Pattern().Match(name);
        return match.Success ? new EcrRegistryHost(match.Groups[1].Value, match.Groups[3].Value) : null;
    }

    [GeneratedRegex(
        @"^(\d{12})\.dkr[\.\-]ecr(\-fips)?\.([a-zA-Z0-9][a-zA-Z0-9-_]*)\.(amazonaws\.(?:com(?:\.cn)?|eu)|on\.(?:aws|amazonwebservices\.com\.cn)|sc2s\.sgov\.gov|c2s\.ic\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov)$",
        RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
