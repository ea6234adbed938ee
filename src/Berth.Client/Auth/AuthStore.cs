using Berth.Protocol.Tokens;

namespace Berth.Client.Auth;

/// <summary>Credentials found for a key, and where.</summary>
/// <param name="Key">The key that matched in the file (may be a parent namespace, the host, or a legacy URL key).</param>
/// <param name="Source">The file it came from.</param>
/// <param name="Credentials">User and password, when the entry has them.</param>
/// <param name="IdentityToken">An OAuth2 refresh token, when the entry has one.</param>
/// <param name="CredentialHelper">The <c>credHelpers</c> entry (helper suffix) that governs the registry, when that is what matched.</param>
public sealed record AuthLookup(string Key, string Source, BasicCredentials? Credentials, string? IdentityToken, string? CredentialHelper)
{
    /// <summary>The stored user name, or <see langword="null"/>.</summary>
    public string? UserName => Credentials?.UserName is { Length: > 0 } user ? user : null;

    /// <summary>Describes the match without its secrets.</summary>
    /// <returns>Key, source, user and which kinds of secret are present.</returns>
    public override string ToString() =>
        $"{Key} in {Source}: {(CredentialHelper is null ? "" : $"credential helper {CredentialHelper}, ")}{(Credentials is null ? "no credentials" : Credentials.ToString())}{(IdentityToken is null ? "" : ", identity token <redacted>")}";
}

/// <summary>podman-compatible credential storage over the files <see cref="AuthFileLocations"/> names.</summary>
public sealed class AuthStore
{
    /// <summary>Creates a store.</summary>
    /// <param name="locations">Where to read and write.</param>
    public AuthStore(AuthFileLocations locations)
    {
        ArgumentNullException.ThrowIfNull(locations);
        Locations = locations;
    }

    /// <summary>The files this store uses.</summary>
    public AuthFileLocations Locations { get; }

    /// <summary>The file <see cref="Save"/> and <see cref="Remove"/> modify.</summary>
    /// <exception cref="AuthFileException">The write target cannot be determined.</exception>
    public AuthFile WriteTarget => new(Locations.WriteTarget);

    /// <summary>
    /// Looks <paramref name="key"/> up in every file of the read order, first usable match wins; within a file
    /// the rules of <see cref="AuthFileDocument.Find"/> apply. A <c>credHelpers</c> match stops the search.
    /// </summary>
    /// <param name="key">A key or image name without tag or digest.</param>
    /// <returns>What was found, or <see langword="null"/>.</returns>
    /// <exception cref="AuthFileException">Nothing was found and some file could not be read or parsed.</exception>
    public AuthLookup? Find(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        AuthFileException? firstError = null;
        foreach (var source in Locations.ReadOrder)
        {
            AuthFileDocument document;
            try
            {
                document = new AuthFile(source.Path, source.LegacyFormat).Read();
            }
            catch (AuthFileException e)
            {
                firstError ??= e;
                continue;
            }

            var entry = document.Find(key, out var helper);
            if (helper is not null)
            {
                return new AuthLookup(AuthKeys.RegistryOf(key), source.Path, null, null, helper);
            }

            if (entry is { IsUsable: true })
            {
                return new AuthLookup(entry.Key, source.Path, entry.Credentials, entry.IdentityToken, null);
            }
        }

        return firstError is null ? null : throw firstError;
    }

    /// <summary>Stores credentials under <paramref name="key"/> in the write target, keeping everything else in the file.</summary>
    /// <param name="key">A valid key.</param>
    /// <param name="credentials">The credentials.</param>
    /// <returns>The path of the file written.</returns>
    /// <exception cref="AuthFileException">The key is invalid, a credential helper governs it, or the file cannot be written.</exception>
    public string Save(string key, BasicCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        AuthKeys.Validate(key);
        var file = WriteTarget;
        file.Update(document =>
        {
            if (document.CredentialHelpers.TryGetValue(key, out var helper))
            {
                throw new AuthFileException($"updating \"{file.Path}\": credentials for {key} are kept by credential helper docker-credential-{helper}, which Berth does not run");
            }

            document.SetCredentials(key, credentials);
            return true;
        });
        return file.Path;
    }

    /// <summary>Removes the entry for exactly <paramref name="key"/> from the write target.</summary>
    /// <param name="key">A valid key.</param>
    /// <returns><see langword="true"/> when there was an entry to remove.</returns>
    /// <exception cref="AuthFileException">The key is invalid or the file cannot be written.</exception>
    public bool Remove(string key)
    {
        AuthKeys.Validate(key);
        var file = WriteTarget;
        return file.Exists && file.Update(document => document.Remove(key));
    }

    /// <summary>Empties <c>auths</c> (and drops <c>credHelpers</c>) in the write target, keeping other members.</summary>
    /// <returns><see langword="true"/> when the file existed and was rewritten.</returns>
    /// <exception cref="AuthFileException">The file cannot be written.</exception>
    public bool RemoveAll()
    {
        var file = WriteTarget;
        return file.Exists && file.Update(document =>
        {
            document.RemoveAll();
            return true;
        });
    }
}
