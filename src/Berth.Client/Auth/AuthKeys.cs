using System.Text.RegularExpressions;

namespace Berth.Client.Auth;

/// <summary>A credential key (<c>host[:port]</c> or <c>host[:port]/ns/repo</c>) and the registry it belongs to.</summary>
/// <param name="Key">The key as stored in the auth file.</param>
/// <param name="Registry">The <c>host[:port]</c> part, the server to talk to.</param>
public sealed record RegistryKey(string Key, string Registry)
{
    /// <summary>Whether the key names a namespace or repository rather than a whole registry.</summary>
    public bool IsNamespaced => Key.Length != Registry.Length;
}

/// <summary>The rules containers/image and podman apply to auth file keys.</summary>
public static partial class AuthKeys
{
    private const int MaxNameLength = 255;

    /// <summary>
    /// Turns a <c>login</c>/<c>logout</c> argument into a key the way podman does: a URL becomes its
    /// <c>host[:port]</c>, a <c>host/ns/repo</c> stays namespaced, a tag or digest is refused.
    /// </summary>
    /// <param name="argument">What the user typed: <c>host[:port]</c>, <c>host[:port]/ns/repo</c> or <c>http(s)://host[:port]/…</c>.</param>
    /// <exception cref="AuthFileException">The argument is empty, or names a tag, a digest or an invalid reference.</exception>
    public static RegistryKey Parse(string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        var key = IsUrl(argument) ? HostOfUrl(argument) : argument;
        if (key.Length == 0)
        {
            throw new AuthFileException($"invalid registry \"{argument}\": expected host[:port] or host[:port]/namespace/repository");
        }

        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return new RegistryKey(key, key);
        }

        var registry = key[..slash];
        var match = ReferencePattern().Match(key);
        if (!match.Success)
        {
            var reason = ReferencePattern().IsMatch(key.ToLowerInvariant())
                ? "invalid reference format: repository name must be lowercase"
                : "invalid reference format";
            throw new AuthFileException($"parse reference from \"{key}\": {reason}");
        }

        if (match.Groups["name"].Length > MaxNameLength)
        {
            throw new AuthFileException($"parse reference from \"{key}\": repository name must not be more than {MaxNameLength} characters");
        }

        if (match.Groups["tag"].Success || match.Groups["digest"].Success)
        {
            throw new AuthFileException($"reference \"{key}\" contains tag or digest");
        }

        return new RegistryKey(key, registry);
    }

    /// <summary>Checks a key before it is written or removed, as containers/image's <c>validateKey</c> does.</summary>
    /// <param name="key">The key.</param>
    /// <returns><see langword="true"/> when the key is namespaced (<c>host/ns/…</c>).</returns>
    /// <exception cref="AuthFileException">The key has a URL scheme, an <c>@</c>, or a <c>:</c> after the host.</exception>
    public static bool Validate(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length == 0)
        {
            throw new AuthFileException("key is empty");
        }

        if (IsUrl(key))
        {
            throw new AuthFileException($"key {key} contains http[s]:// prefix");
        }

        if (key.Contains('@', StringComparison.Ordinal))
        {
            throw new AuthFileException($"key {key} contains a '@' character");
        }

        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0 && key.IndexOf(':', slash + 1) >= 0)
        {
            throw new AuthFileException($"key {key} contains a ':' character after host[:port]");
        }

        return slash >= 0;
    }

    /// <summary>The registry (<c>host[:port]</c>) part of a key.</summary>
    /// <param name="key">A key, namespaced or not.</param>
    /// <returns>Everything before the first <c>/</c>.</returns>
    public static string RegistryOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? key : key[..slash];
    }

    /// <summary>The keys tried for <paramref name="key"/>, most specific first: <c>h/a/b</c>, <c>h/a</c>, <c>h</c>.</summary>
    /// <param name="key">A key or an image name without tag or digest.</param>
    /// <returns>The key and each parent namespace, ending with the host.</returns>
    public static IReadOnlyList<string> LookupOrder(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var keys = new List<string>();
        while (true)
        {
            keys.Add(key);
            var slash = key.LastIndexOf('/');
            if (slash < 0)
            {
                return keys;
            }

            key = key[..slash];
        }
    }

    /// <summary>
    /// Maps a key found in a file to a registry name for the second, lenient lookup pass: drops an
    /// <c>http(s)://</c> prefix and any path after it (legacy keys such as <c>https://host/v1/</c>), then
    /// normalizes Docker Hub's aliases.
    /// </summary>
    /// <param name="key">The key as found in the file.</param>
    /// <param name="legacyFormat">Whether the file is a legacy <c>.dockercfg</c>, whose keys are always URLs or hosts.</param>
    /// <returns>A registry name comparable with <see cref="NormalizeRegistry"/>'s output.</returns>
    public static string NormalizeFileKey(string key, bool legacyFormat)
    {
        ArgumentNullException.ThrowIfNull(key);
        var stripped = StripScheme(key);
        if (legacyFormat || stripped.Length != key.Length)
        {
            var slash = stripped.IndexOf('/', StringComparison.Ordinal);
            stripped = slash < 0 ? stripped : stripped[..slash];
        }

        return NormalizeRegistry(stripped);
    }

    /// <summary>Maps Docker Hub's aliases (<c>docker.io</c>, <c>registry-1.docker.io</c>) to <c>index.docker.io</c>.</summary>
    /// <param name="registry">A registry host.</param>
    /// <returns>The normalized host.</returns>
    public static string NormalizeRegistry(string registry) => registry switch
    {
        "registry-1.docker.io" or "docker.io" => "index.docker.io",
        _ => registry,
    };

    private static bool IsUrl(string value) =>
        value.StartsWith("https://", StringComparison.Ordinal) || value.StartsWith("http://", StringComparison.Ordinal);

    private static string StripScheme(string value) =>
        value.StartsWith("http://", StringComparison.Ordinal) ? value["http://".Length..]
        : value.StartsWith("https://", StringComparison.Ordinal) ? value["https://".Length..]
        : value;

    // Go's url.Parse(...).Host: the authority without user info, exactly as typed (port kept, case kept).
    private static string HostOfUrl(string url)
    {
        var rest = StripScheme(url);
        var end = rest.IndexOfAny(['/', '?', '#']);
        var authority = end < 0 ? rest : rest[..end];
        var at = authority.LastIndexOf('@');
        return at < 0 ? authority : authority[(at + 1)..];
    }

    // distribution/reference's ReferenceRegexp: [domain/]path[:tag][@digest].
    [GeneratedRegex(
        @"^(?<name>(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?/|\[[a-fA-F0-9:]+\](?::[0-9]+)?/)?"
        + @"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)"
        + @"(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?"
        + @"(?:@(?<digest>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?$",
        RegexOptions.CultureInvariant)]
    private static partial Regex ReferencePattern();
}
