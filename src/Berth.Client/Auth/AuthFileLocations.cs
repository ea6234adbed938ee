namespace Berth.Client.Auth;

/// <summary>One auth file to read, and whether it uses the legacy <c>~/.dockercfg</c> layout (a top-level map without <c>auths</c>).</summary>
/// <param name="Path">The file's path.</param>
/// <param name="LegacyFormat">Whether the file is a legacy <c>.dockercfg</c>.</param>
public sealed record AuthFileSource(string Path, bool LegacyFormat = false);

/// <summary>Where credentials are written and in which order they are looked up, as podman 4.3 decides.</summary>
/// <remarks>
/// <para>The write target is the first of: <c>--authfile</c>; <c>$REGISTRY_AUTH_FILE</c>; <c>$DOCKER_CONFIG/config.json</c>
/// (podman 4.3's <c>GetDefaultAuthFile</c> falls back to it, and the lab confirmed <c>Used: $DOCKER_CONFIG/config.json</c>);
/// <c>$XDG_RUNTIME_DIR/containers/auth.json</c> when <c>XDG_RUNTIME_DIR</c> is set (its directory must exist);
/// <c>/run/containers/&lt;uid&gt;/auth.json</c>. On macOS and Windows the default is <c>$HOME/.config/containers/auth.json</c>.</para>
/// <para>An explicit file (any of the first three) is the only file read. Otherwise the default is followed by
/// <c>${XDG_CONFIG_HOME:-$HOME/.config}/containers/auth.json</c>, <c>$HOME/.docker/config.json</c> and the legacy
/// <c>$HOME/.dockercfg</c>. As in containers/image, a missing <c>XDG_RUNTIME_DIR</c> directory only drops the default
/// from the read order (with a warning); writing to it fails.</para>
/// </remarks>
public sealed class AuthFileLocations
{
    private readonly string? _writeTarget;
    private readonly string? _writeTargetError;

    private AuthFileLocations(string? writeTarget, string? writeTargetError, bool isExplicit, IReadOnlyList<AuthFileSource> readOrder)
    {
        _writeTarget = writeTarget;
        _writeTargetError = writeTargetError;
        IsExplicit = isExplicit;
        ReadOrder = readOrder;
    }

    /// <summary>Whether the file came from <c>--authfile</c>, <c>REGISTRY_AUTH_FILE</c> or <c>DOCKER_CONFIG</c>, so it is the only one read.</summary>
    public bool IsExplicit { get; }

    /// <summary>Files to search for credentials, first match wins.</summary>
    public IReadOnlyList<AuthFileSource> ReadOrder { get; }

    /// <summary>Problems that did not stop reading, e.g. a missing <c>XDG_RUNTIME_DIR</c>.</summary>
    public IReadOnlyList<string> Warnings => _writeTargetError is null ? [] : [_writeTargetError];

    /// <summary>Whether <see cref="WriteTarget"/> is available.</summary>
    public bool HasWriteTarget => _writeTarget is not null;

    /// <summary>The file <c>login</c> and <c>logout</c> modify.</summary>
    /// <exception cref="AuthFileException">It cannot be determined (e.g. <c>XDG_RUNTIME_DIR</c> names a missing directory).</exception>
    public string WriteTarget => _writeTarget ?? throw new AuthFileException(_writeTargetError!);

    /// <summary>Applies podman's rules to an explicit path and an environment.</summary>
    /// <param name="authFile">The <c>--authfile</c> value, or <see langword="null"/>.</param>
    /// <param name="environment">Environment variable lookup; empty values count as unset.</param>
    /// <param name="userId">The real user id, asked only when the <c>/run/containers/&lt;uid&gt;</c> default is needed.</param>
    /// <param name="linuxLayout">Whether to use the Linux defaults (XDG_RUNTIME_DIR, /run); <see langword="null"/> means "unless macOS or Windows".</param>
    /// <returns>The resolved locations.</returns>
    public static AuthFileLocations Resolve(string? authFile, Func<string, string?> environment, Func<int> userId, bool? linuxLayout = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(userId);
        string? Get(string name) => environment(name) is { Length: > 0 } value ? value : null;

        var explicitPath = NonEmpty(authFile) ?? Get("REGISTRY_AUTH_FILE") ?? (Get("DOCKER_CONFIG") is { } dockerConfig ? Path.Combine(dockerConfig, "config.json") : null);
        if (explicitPath is not null)
        {
            return new AuthFileLocations(explicitPath, null, isExplicit: true, [new AuthFileSource(explicitPath)]);
        }

        var home = Get("HOME");
        string? primary = null;
        string? error = null;
        if (!(linuxLayout ?? !(OperatingSystem.IsMacOS() || OperatingSystem.IsWindows())))
        {
            primary = home is null ? null : Path.Combine(home, ".config", "containers", "auth.json");
            error = home is null ? "cannot find the auth file: $HOME is not set" : null;
        }
        else if (Get("XDG_RUNTIME_DIR") is { } runtimeDir)
        {
            if (Directory.Exists(runtimeDir))
            {
                primary = Path.Combine(runtimeDir, "containers", "auth.json");
            }
            else
            {
                error = $"\"{runtimeDir}\" directory set by $XDG_RUNTIME_DIR does not exist. Either create the directory or unset $XDG_RUNTIME_DIR.";
            }
        }
        else
        {
            primary = Path.Combine("/run", "containers", userId().ToString(System.Globalization.CultureInfo.InvariantCulture), "auth.json");
        }

        var readOrder = new List<AuthFileSource>();
        if (primary is not null)
        {
            readOrder.Add(new AuthFileSource(primary));
        }

        var configHome = Get("XDG_CONFIG_HOME") ?? (home is null ? null : Path.Combine(home, ".config"));
        if (configHome is not null)
        {
            readOrder.Add(new AuthFileSource(Path.Combine(configHome, "containers", "auth.json")));
        }

        if (home is not null)
        {
            readOrder.Add(new AuthFileSource(Path.Combine(home, ".docker", "config.json")));
            readOrder.Add(new AuthFileSource(Path.Combine(home, ".dockercfg"), LegacyFormat: true));
        }

        return new AuthFileLocations(primary, error, isExplicit: false, readOrder.DistinctBy(s => s.Path).ToList());
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
