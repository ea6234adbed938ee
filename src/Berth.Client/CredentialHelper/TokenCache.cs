using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Berth.Client.IO;

namespace Berth.Client.CredentialHelper;

/// <summary>A token minted by <c>GetAuthorizationToken</c>, as cached on disk.</summary>
/// <param name="Registry">The registry host it is for.</param>
/// <param name="Profile">The AWS profile it was minted with.</param>
/// <param name="Endpoint">The ECR API it came from.</param>
/// <param name="AuthorizationToken">The <c>authorizationToken</c>: base64 of <c>AWS:password</c>.</param>
/// <param name="RequestedAt">Unix seconds when it was requested.</param>
/// <param name="ExpiresAt">Unix seconds when it expires (the response's <c>expiresAt</c>).</param>
/// <param name="ProxyEndpoint">The response's <c>proxyEndpoint</c>.</param>
public sealed record CachedToken(
    [property: JsonPropertyName("registry")] string Registry,
    [property: JsonPropertyName("profile")] string Profile,
    [property: JsonPropertyName("endpoint")] string Endpoint,
    [property: JsonPropertyName("authorizationToken")] string AuthorizationToken,
    [property: JsonPropertyName("requestedAt")] long RequestedAt,
    [property: JsonPropertyName("expiresAt")] long ExpiresAt,
    [property: JsonPropertyName("proxyEndpoint")] string? ProxyEndpoint)
{
    /// <summary>When the token stops working.</summary>
    [JsonIgnore]
    public DateTimeOffset Expires => DateTimeOffset.FromUnixTimeSeconds(ExpiresAt);

    /// <summary>When the token is due for renewal: once less than <paramref name="refreshWhenRemaining"/> of its lifetime remains.</summary>
    public DateTimeOffset RefreshAt(double refreshWhenRemaining) =>
        DateTimeOffset.FromUnixTimeSeconds(ExpiresAt - (long)Math.Ceiling((ExpiresAt - RequestedAt) * refreshWhenRemaining));

    /// <summary>Never prints the token.</summary>
    public override string ToString() => $"CachedToken {{ {Registry} ({Profile}) from {Endpoint}, expires {Expires:O} }}";
}

/// <summary>
/// The token cache: one file per registry and AWS profile under <see cref="BerthUserPaths.CacheDirectory"/> (0700),
/// each written atomically with mode 0600.
/// </summary>
/// <remarks>The key is the registry and the profile name, never the access key, so rotating credentials
/// (assumed roles, aws-vault, SSO) keep hitting the cache. An unreadable entry counts as a miss and is replaced.</remarks>
public sealed class TokenCache
{
    /// <summary>Creates a cache in <paramref name="directory"/> (created on the first write).</summary>
    public TokenCache(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory = directory;
    }

    /// <summary>The cache directory.</summary>
    public string Directory { get; }

    /// <summary>The file that holds the entry for <paramref name="registry"/> and <paramref name="profile"/>.</summary>
    public string PathFor(string registry, string profile) =>
        Path.Combine(Directory, $"{Sanitize(registry)}@{Sanitize(profile)}.json");

    /// <summary>The cached entry, or <see langword="null"/> when there is none or it cannot be read.</summary>
    public CachedToken? Read(string registry, string profile)
    {
        var path = PathFor(registry, profile);
        try
        {
            var entry = JsonSerializer.Deserialize(File.ReadAllBytes(path), CredentialHelperJsonContext.Default.CachedToken);
            return entry is not null && entry.Registry == registry && entry.Profile == profile ? entry : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Every readable entry.</summary>
    public IReadOnlyList<CachedToken> ReadAll()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }

        var entries = new List<CachedToken>();
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, "*.json"))
        {
            try
            {
                if (JsonSerializer.Deserialize(File.ReadAllBytes(file), CredentialHelperJsonContext.Default.CachedToken) is { } entry)
                {
                    entries.Add(entry);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
            {
                // Skipped: a torn or foreign file is not an entry.
            }
        }

        return entries;
    }

    /// <summary>Stores <paramref name="entry"/>, replacing any earlier one for its registry and profile.</summary>
    /// <exception cref="IOException">The file cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be written.</exception>
    public void Write(CachedToken entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        PrivateFiles.CreateDirectory(Directory);
        PrivateFiles.WriteAtomically(PathFor(entry.Registry, entry.Profile), JsonSerializer.SerializeToUtf8Bytes(entry, CredentialHelperJsonContext.Default.CachedToken));
    }

    /// <summary>Removes every entry for <paramref name="registry"/>, whatever the profile.</summary>
    /// <returns>Whether anything was removed.</returns>
    public bool RemoveRegistry(string registry)
    {
        var removed = false;
        foreach (var entry in ReadAll().Where(e => e.Registry == registry))
        {
            removed |= PrivateFiles.TryDelete(PathFor(entry.Registry, entry.Profile));
        }

        return removed;
    }

    // Registry hosts and profile names become file names: anything outside [A-Za-z0-9._-] is escaped as _XX (hex).
    private static string Sanitize(string value)
    {
        var name = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (char.IsAsciiLetterOrDigit(c) || c is '.' or '-')
            {
                name.Append(c);
            }
            else
            {
                name.Append('_').Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return name.ToString();
    }
}
