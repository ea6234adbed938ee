namespace Berth.Client.CredentialHelper;

/// <summary>Where the credential helper keeps its configuration, stored credentials and token cache.</summary>
/// <param name="ConfigFile"><c>${XDG_CONFIG_HOME:-~/.config}/berth/config.json</c>, or <c>$BERTH_CONFIG</c>.</param>
/// <param name="StoreFile"><c>${XDG_CONFIG_HOME:-~/.config}/berth/credentials.json</c>: what <c>store</c> persisted (0600).</param>
/// <param name="CacheDirectory"><c>${XDG_CACHE_HOME:-~/.cache}/berth/tokens</c>: one 0600 file per registry and profile.</param>
public sealed record BerthUserPaths(string ConfigFile, string StoreFile, string CacheDirectory)
{
    /// <summary>Applies the XDG base-directory rules to <paramref name="environment"/>.</summary>
    /// <exception cref="CredentialHelperException">Neither the XDG variables nor <c>HOME</c> are set.</exception>
    public static BerthUserPaths Resolve(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string? Get(string name) => environment(name) is { Length: > 0 } value ? value : null;
        var home = Get("HOME");
        string Base(string variable, string fallback) =>
            Get(variable) ?? (home is null
                ? throw new CredentialHelperException(CredentialHelperError.Configuration, $"neither ${variable} nor $HOME is set")
                : Path.Combine(home, fallback));

        var config = Path.Combine(Base("XDG_CONFIG_HOME", ".config"), "berth");
        return new BerthUserPaths(
            Get("BERTH_CONFIG") ?? Path.Combine(config, "config.json"),
            Path.Combine(config, "credentials.json"),
            Path.Combine(Base("XDG_CACHE_HOME", ".cache"), "berth", "tokens"));
    }
}
