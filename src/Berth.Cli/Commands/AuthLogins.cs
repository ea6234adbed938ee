using Berth.Client.Auth;
using Berth.Protocol.Tokens;

namespace Berth.Cli.Commands;

/// <summary>One stored login or credential-helper entry, in the order podman reads the files.</summary>
/// <param name="Key">The auth-file key (<c>host[:port]</c> or a namespace).</param>
/// <param name="Source">The file it is stored in.</param>
/// <param name="LegacyFormat">Whether that file is a read-only legacy <c>.dockercfg</c>.</param>
/// <param name="Entry">The login, or <see langword="null"/> for a credHelpers entry.</param>
/// <param name="Helper">The credHelpers value (helper suffix), or <see langword="null"/>.</param>
internal sealed record StoredLogin(string Key, string Source, bool LegacyFormat, AuthEntry? Entry, string? Helper)
{
    /// <summary>The ECR-style token in the login, when the password is one.</summary>
    public TokenEnvelope? Token => TokenEnvelope.TryParse(Entry?.Credentials?.Password);
}

/// <summary>Reads every login across the files podman and docker read.</summary>
internal static class AuthLogins
{
    /// <summary>Every <c>auths</c> and <c>credHelpers</c> entry of every file in <paramref name="locations"/>' read order.</summary>
    /// <param name="locations">The files.</param>
    /// <param name="problems">Files that could not be read, with the reason.</param>
    public static IReadOnlyList<StoredLogin> ReadAll(AuthFileLocations locations, out IReadOnlyList<string> problems)
    {
        var logins = new List<StoredLogin>();
        var errors = new List<string>(locations.Warnings);
        foreach (var source in locations.ReadOrder)
        {
            AuthFileDocument document;
            try
            {
                document = new AuthFile(source.Path, source.LegacyFormat).Read();
            }
            catch (AuthFileException e)
            {
                errors.Add(e.Message);
                continue;
            }

            foreach (var (registry, helper) in document.CredentialHelpers)
            {
                logins.Add(new StoredLogin(registry, source.Path, source.LegacyFormat, null, helper));
            }

            foreach (var key in document.Keys)
            {
                logins.Add(new StoredLogin(key, source.Path, source.LegacyFormat, document.GetEntry(key), null));
            }
        }

        problems = errors;
        return logins;
    }
}
