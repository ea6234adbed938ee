using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Protocol.Tokens;

namespace Berth.Client.Auth;

/// <summary>One entry of <c>auths</c>, decoded.</summary>
/// <param name="Key">The key it is stored under.</param>
/// <param name="Credentials">User and password from <c>auth</c>, or <see langword="null"/> when absent or undecodable.</param>
/// <param name="IdentityToken">The <c>identitytoken</c> (an OAuth2 refresh token), if any.</param>
public sealed record AuthEntry(string Key, BasicCredentials? Credentials, string? IdentityToken)
{
    /// <summary>Whether the entry holds anything usable (containers/image skips entries that hold nothing).</summary>
    public bool IsUsable => Credentials is not null || !string.IsNullOrEmpty(IdentityToken);

    /// <summary>Describes the entry without its secrets.</summary>
    /// <returns>Key, user and which kinds of secret are present.</returns>
    public override string ToString() =>
        $"{Key}: {(Credentials is null ? "no credentials" : Credentials.ToString())}{(IdentityToken is null ? "" : ", identity token <redacted>")}";
}

/// <summary>
/// The contents of one auth file, kept as a JSON tree so that a read-modify-write round trip preserves every
/// top-level member and every entry member Berth does not know (Docker's <c>credsStore</c>, <c>HttpHeaders</c>, …).
/// </summary>
public sealed class AuthFileDocument
{
    private const string AuthsMember = "auths";
    private const string CredHelpersMember = "credHelpers";
    private const string AuthMember = "auth";
    private const string IdentityTokenMember = "identitytoken";

    private static readonly JsonSerializerOptions WriteOptions = new()
    {
        WriteIndented = true,
        IndentCharacter = '\t',
        IndentSize = 1,

        // Base64 keeps its '+' and '/' unescaped, as Go's encoder writes them.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly JsonObject _root;

    private AuthFileDocument(JsonObject root, bool legacyFormat)
    {
        _root = root;
        LegacyFormat = legacyFormat;
    }

    /// <summary>Whether this is a legacy <c>.dockercfg</c> (the whole file is the <c>auths</c> map); such files are read-only.</summary>
    public bool LegacyFormat { get; }

    /// <summary>The keys of <c>auths</c>, in file order.</summary>
    public IReadOnlyList<string> Keys => Auths is { } auths ? auths.Select(p => p.Key).ToList() : [];

    /// <summary>The <c>credHelpers</c> map (registry host to helper suffix).</summary>
    public IReadOnlyDictionary<string, string> CredentialHelpers =>
        _root[CredHelpersMember] is JsonObject helpers && !LegacyFormat
            ? helpers.Where(p => p.Value is JsonValue v && v.GetValueKind() == JsonValueKind.String)
                .ToDictionary(p => p.Key, p => p.Value!.GetValue<string>(), StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);

    private JsonObject? Auths => LegacyFormat ? _root : _root[AuthsMember] as JsonObject;

    /// <summary>An empty document, <c>{"auths":{}}</c>.</summary>
    /// <returns>A new document.</returns>
    public static AuthFileDocument CreateEmpty() => new(new JsonObject { [AuthsMember] = new JsonObject() }, legacyFormat: false);

    /// <summary>Parses a file's contents.</summary>
    /// <param name="json">The file's text; empty or whitespace counts as an empty document.</param>
    /// <param name="legacyFormat">Whether the file is a legacy <c>.dockercfg</c>.</param>
    /// <param name="path">The file's path, for error messages.</param>
    /// <returns>The document.</returns>
    /// <exception cref="AuthFileException">The text is not a JSON object of the expected shape. The message carries
    /// the position only, never the text, which may be a secret.</exception>
    public static AuthFileDocument Parse(string json, bool legacyFormat, string path)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (string.IsNullOrWhiteSpace(json))
        {
            return legacyFormat ? new AuthFileDocument([], legacyFormat: true) : CreateEmpty();
        }

        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException e)
        {
            throw new AuthFileException($"unmarshaling JSON at \"{path}\": invalid JSON at line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}");
        }

        if (node is not JsonObject root)
        {
            throw new AuthFileException($"unmarshaling JSON at \"{path}\": the top level is not an object");
        }

        if (!legacyFormat)
        {
            if (root[AuthsMember] is null)
            {
                // Missing or null "auths": containers/image starts an empty map.
                root[AuthsMember] = new JsonObject();
            }
            else if (root[AuthsMember] is not JsonObject)
            {
                throw new AuthFileException($"unmarshaling JSON at \"{path}\": \"{AuthsMember}\" is not an object");
            }

            if (root[CredHelpersMember] is { } helpers && helpers is not JsonObject)
            {
                throw new AuthFileException($"unmarshaling JSON at \"{path}\": \"{CredHelpersMember}\" is not an object");
            }
        }

        return new AuthFileDocument(root, legacyFormat);
    }

    /// <summary>The entry stored under exactly <paramref name="key"/>, decoded.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The entry, or <see langword="null"/> when there is none.</returns>
    public AuthEntry? GetEntry(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Auths is { } auths && auths.TryGetPropertyValue(key, out var value) ? Decode(key, value) : null;
    }

    /// <summary>
    /// Finds credentials for a key or image name as containers/image does within one file: a <c>credHelpers</c> entry
    /// for the registry wins; then the exact key and each parent namespace down to the host; then keys that normalize to
    /// the host (legacy <c>https://host/v1/</c>). A legacy file is searched by host only.
    /// </summary>
    /// <param name="key">A key (<c>host[:port]</c> or <c>host[:port]/ns/repo</c>).</param>
    /// <param name="helper">The credential helper configured for the registry, if that is what matched.</param>
    /// <returns>The matching entry (which may be unusable, e.g. Docker's <c>{}</c> marker), or <see langword="null"/>.</returns>
    public AuthEntry? Find(string key, out string? helper)
    {
        ArgumentNullException.ThrowIfNull(key);
        var registry = AuthKeys.RegistryOf(key);
        helper = null;
        if (CredentialHelpers.TryGetValue(registry, out var configured))
        {
            helper = configured;
            return null;
        }

        if (Auths is not { } auths)
        {
            return null;
        }

        IReadOnlyList<string> candidates = LegacyFormat ? [registry] : AuthKeys.LookupOrder(key);
        foreach (var candidate in candidates)
        {
            if (auths.TryGetPropertyValue(candidate, out var value))
            {
                return Decode(candidate, value);
            }
        }

        var normalized = AuthKeys.NormalizeRegistry(registry);
        foreach (var (fileKey, value) in auths)
        {
            if (AuthKeys.NormalizeFileKey(fileKey, LegacyFormat) == normalized)
            {
                return Decode(fileKey, value);
            }
        }

        return null;
    }

    /// <summary>Stores <c>auth = base64(user:password)</c> under <paramref name="key"/>, keeping the entry's other members.</summary>
    /// <param name="key">A valid key (see <see cref="AuthKeys.Validate"/>).</param>
    /// <param name="credentials">The credentials.</param>
    /// <exception cref="AuthFileException">The key is invalid or the document is a legacy file.</exception>
    public void SetCredentials(string key, BasicCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        AuthKeys.Validate(key);
        var auths = WritableAuths();
        if (auths[key] is JsonObject entry)
        {
            entry[AuthMember] = credentials.Encode();
        }
        else
        {
            auths[key] = new JsonObject { [AuthMember] = credentials.Encode() };
        }
    }

    /// <summary>Sets <c>credHelpers[<paramref name="registry"/>] = <paramref name="helper"/></c>, keeping every other member.</summary>
    /// <param name="registry">A registry host (<c>host[:port]</c>; credHelpers keys are never namespaced).</param>
    /// <param name="helper">The helper's suffix after <c>docker-credential-</c>.</param>
    /// <returns><see langword="true"/> when the document changed.</returns>
    /// <exception cref="AuthFileException">The registry is not a plain host, or the document is a legacy file.</exception>
    public bool SetCredentialHelper(string registry, string helper)
    {
        ArgumentException.ThrowIfNullOrEmpty(helper);
        if (AuthKeys.Validate(registry))
        {
            throw new AuthFileException($"credential helpers are configured per registry host, not per repository: {registry}");
        }

        WritableAuths();
        if (_root[CredHelpersMember] is not JsonObject helpers)
        {
            helpers = new JsonObject();
            _root[CredHelpersMember] = helpers;
        }

        if (helpers[registry] is JsonValue current && current.GetValueKind() == JsonValueKind.String && current.GetValue<string>() == helper)
        {
            return false;
        }

        helpers[registry] = helper;
        return true;
    }

    /// <summary>Removes the entry under <paramref name="key"/> (or, failing that, under its normalized Docker Hub name).</summary>
    /// <param name="key">The key.</param>
    /// <returns><see langword="true"/> when an entry was removed.</returns>
    public bool Remove(string key)
    {
        AuthKeys.Validate(key);
        var auths = WritableAuths();
        return auths.Remove(key) || auths.Remove(AuthKeys.NormalizeRegistry(key));
    }

    /// <summary>Empties <c>auths</c> and drops <c>credHelpers</c>, as <c>podman logout --all</c> does; other members stay.</summary>
    public void RemoveAll()
    {
        WritableAuths();
        _root[AuthsMember] = new JsonObject();
        _root.Remove(CredHelpersMember);
    }

    /// <summary>The document as containers/image writes it: indented with tabs.</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson() => _root.ToJsonString(WriteOptions);

    private static AuthEntry Decode(string key, JsonNode? value)
    {
        if (value is not JsonObject entry)
        {
            return new AuthEntry(key, null, null);
        }

        return new AuthEntry(key, BasicCredentials.TryDecode(StringMember(entry, AuthMember)), StringMember(entry, IdentityTokenMember));
    }

    private static string? StringMember(JsonObject entry, string name) =>
        entry[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private JsonObject WritableAuths()
    {
        if (LegacyFormat)
        {
            throw new AuthFileException("writes to a legacy-format file (.dockercfg) are not supported");
        }

        return (JsonObject)_root[AuthsMember]!;
    }
}
