using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Berth.Client.Ecr;
using Berth.Client.IO;
using Berth.Protocol.Tokens;

namespace Berth.Client.CredentialHelper;

/// <summary>
/// <c>docker-credential-berth</c>: the Docker credential-helper protocol (docker-credential-helpers' <c>Serve</c>), as
/// podman and docker run it. <c>get</c> serves stored credentials or mints a token (<see cref="TokenMinter"/>);
/// <c>store</c> and <c>erase</c> persist and remove explicit credentials; <c>list</c> never touches the network.
/// </summary>
/// <remarks>
/// Protocol output is exact: results and failures on stdout (callers parse it), exit 0 or 1. A "not found" answer is
/// exactly <see cref="NotFoundMessage"/>, which podman and docker treat as "no credentials, go on anonymously"; the
/// reason goes to stderr, which callers pass through to the user. Every other failure names its cause on stdout.
/// </remarks>
public sealed class DockerCredentialHelper
{
    /// <summary>The program name callers run.</summary>
    public const string Name = "docker-credential-berth";

    /// <summary>The protocol's "not found" text; callers compare the trimmed stdout with it.</summary>
    public const string NotFoundMessage = "credentials not found in native keychain";

    /// <summary>The protocol's error for empty input.</summary>
    public const string MissingServerUrlMessage = "no credentials server URL";

    /// <summary>The protocol's error for a <c>store</c> without a user name.</summary>
    public const string MissingUsernameMessage = "no credentials username";

    private static readonly HelperProtocolJsonContext Json = new(new JsonSerializerOptions
    {
        PropertyNameCaseInsensitive = true,

        // Base64 keeps '+' and '/' as Go's encoder writes them.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    private readonly Func<string, string?> _environment;
    private readonly TimeProvider _time;
    private readonly Func<HttpMessageHandler>? _handlerFactory;

    /// <summary>Creates the helper.</summary>
    /// <param name="environment">Environment lookup (XDG directories, the AWS chain).</param>
    /// <param name="time">The clock.</param>
    /// <param name="handlerFactory">HTTP handlers for ECR API calls (tests); <see langword="null"/> for real sockets.</param>
    public DockerCredentialHelper(Func<string, string?> environment, TimeProvider time, Func<HttpMessageHandler>? handlerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(time);
        _environment = environment;
        _time = time;
        _handlerFactory = handlerFactory;
    }

    /// <summary>The <c>version</c> line: <c>docker-credential-berth (berth) 1.2.3</c>.</summary>
    public static string VersionLine =>
        $"{Name} (berth) {typeof(DockerCredentialHelper).Assembly.GetName().Version?.ToString(3) ?? "0.0.0"}";

    private static string Usage => $"Usage: {Name} <store|get|erase|list|version>";

    /// <summary>Runs one protocol exchange.</summary>
    /// <param name="arguments">The arguments after the program name: exactly one action.</param>
    /// <param name="input">The caller's stdin.</param>
    /// <param name="output">Stdout: the protocol answer.</param>
    /// <param name="error">Stderr: diagnostics for the user.</param>
    /// <param name="cancellationToken">Cancels a network call.</param>
    /// <returns>The exit status: 0 on success, 1 on any failure.</returns>
    public async Task<int> RunAsync(IReadOnlyList<string> arguments, TextReader input, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (arguments.Count != 1)
        {
            await output.WriteLineAsync(Usage);
            return 1;
        }

        switch (arguments[0])
        {
            case "--version" or "-v":
                await output.WriteLineAsync(VersionLine);
                return 0;
            case "--help" or "-h":
                await output.WriteLineAsync(Usage);
                return 0;
        }

        try
        {
            switch (arguments[0])
            {
                case "get":
                    await GetAsync(await LineInput.ReadJoinedLinesAsync(input, cancellationToken), output, error, cancellationToken);
                    break;
                case "store":
                    Store(await LineInput.ReadJoinedLinesAsync(input, cancellationToken));
                    break;
                case "erase":
                    Erase(await LineInput.ReadJoinedLinesAsync(input, cancellationToken));
                    break;
                case "list":
                    await output.WriteLineAsync(List());
                    break;
                case "version":
                    await output.WriteLineAsync(VersionLine);
                    break;
                default:
                    await output.WriteLineAsync($"{Name}: unknown action: {arguments[0]}");
                    return 1;
            }

            await output.FlushAsync(cancellationToken);
            return 0;
        }
        catch (CredentialHelperException e) when (e.Error == CredentialHelperError.NotFound)
        {
            await output.WriteLineAsync(NotFoundMessage);
            await error.WriteLineAsync($"{Name}: {OneLine(e.Message)}");
            return 1;
        }
        catch (Exception e) when (e is CredentialHelperException or AwsConfigurationException or EcrException)
        {
            await output.WriteLineAsync(OneLine(e.Message));
            return 1;
        }
    }

    private async Task GetAsync(string text, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var serverUrl = text.Trim();
        if (serverUrl.Length == 0)
        {
            throw new CredentialHelperException(CredentialHelperError.BadInput, MissingServerUrlMessage);
        }

        var paths = BerthUserPaths.Resolve(_environment);
        var registry = StoredCredentials.KeyOf(serverUrl);
        var minter = new TokenMinter(HelperConfig.Load(paths.ConfigFile), paths, _environment, _time, _handlerFactory);
        if (new StoredCredentials(paths.StoreFile).Get(serverUrl) is { Username.Length: > 0 } stored)
        {
            var expiry = TokenEnvelope.TryParse(stored.Secret)?.ExpiresAt;
            if (expiry is null || expiry > _time.GetUtcNow())
            {
                await WriteCredentialsAsync(output, serverUrl, stored.Username, stored.Secret ?? "");
                return;
            }

            if (!minter.CanMint(registry))
            {
                throw new CredentialHelperException(
                    CredentialHelperError.NotFound,
                    $"the login stored for {registry} expired at {expiry.Value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}; "
                        + $"log in again, or let berth renew it: berth credential-helper install --registry {registry} --endpoint-url URL");
            }
        }

        MintedToken minted;
        try
        {
            minted = await minter.GetAsync(registry, cancellationToken: cancellationToken);
        }
        catch (EcrException e)
        {
            throw new EcrException($"getting a token for {registry}: {e.Message}", e);
        }

        if (minted.Warning is not null)
        {
            await error.WriteLineAsync($"{Name}: warning: {minted.Warning}");
        }

        await WriteCredentialsAsync(output, serverUrl, minted.Credentials.UserName, minted.Credentials.Password);
    }

    private void Store(string text)
    {
        HelperCredentials? credentials;
        try
        {
            credentials = JsonSerializer.Deserialize(text, Json.HelperCredentials);
        }
        catch (JsonException e)
        {
            // The position only: the input holds a secret.
            throw new CredentialHelperException(CredentialHelperError.BadInput, $"invalid credentials JSON on stdin (byte {(e.BytePositionInLine ?? 0) + 1})", e);
        }

        if (string.IsNullOrEmpty(credentials?.ServerURL))
        {
            throw new CredentialHelperException(CredentialHelperError.BadInput, MissingServerUrlMessage);
        }

        if (string.IsNullOrEmpty(credentials.Username))
        {
            throw new CredentialHelperException(CredentialHelperError.BadInput, MissingUsernameMessage);
        }

        new StoredCredentials(BerthUserPaths.Resolve(_environment).StoreFile).Add(credentials);
    }

    private void Erase(string text)
    {
        var serverUrl = text.Trim();
        if (serverUrl.Length == 0)
        {
            throw new CredentialHelperException(CredentialHelperError.BadInput, MissingServerUrlMessage);
        }

        var paths = BerthUserPaths.Resolve(_environment);
        var removed = new StoredCredentials(paths.StoreFile).Remove(serverUrl);
        removed |= new TokenCache(paths.CacheDirectory).RemoveRegistry(StoredCredentials.KeyOf(serverUrl));
        if (!removed)
        {
            throw new CredentialHelperException(CredentialHelperError.NotFound, $"nothing is stored or cached for {serverUrl}");
        }
    }

    // Offline, unlike amazon-ecr-credential-helper: stored logins, configured registries and cached tokens that still work.
    private string List()
    {
        var paths = BerthUserPaths.Resolve(_environment);
        var entries = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var registry in HelperConfig.Load(paths.ConfigFile).Registries?.Keys ?? [])
        {
            entries[registry] = TokenEnvelope.UserName;
        }

        var now = _time.GetUtcNow();
        foreach (var token in new TokenCache(paths.CacheDirectory).ReadAll().Where(t => t.Expires > now))
        {
            entries[token.Registry] = TokenEnvelope.UserName;
        }

        foreach (var stored in new StoredCredentials(paths.StoreFile).ReadAll().Values)
        {
            entries[stored.ServerURL ?? ""] = stored.Username ?? "";
        }

        return JsonSerializer.Serialize(new Dictionary<string, string>(entries), CredentialHelperJsonContext.Default.DictionaryStringString);
    }

    private static async Task WriteCredentialsAsync(TextWriter output, string serverUrl, string userName, string secret) =>
        await output.WriteLineAsync(JsonSerializer.Serialize(new HelperCredentials(serverUrl, userName, secret), Json.HelperCredentials));

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
