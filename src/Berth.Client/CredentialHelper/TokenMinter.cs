using System.Net;
using Berth.Client.Ecr;
using Berth.Protocol.Ecr;
using Berth.Protocol.Tokens;

namespace Berth.Client.CredentialHelper;

/// <summary>A registry login obtained from <c>GetAuthorizationToken</c> (or the cache).</summary>
/// <param name="Registry">The registry host.</param>
/// <param name="Credentials"><c>AWS</c> and the registry password.</param>
/// <param name="ExpiresAt">When the password expires.</param>
/// <param name="FromCache">Whether it was served from the cache without a network call.</param>
/// <param name="Warning">Set when renewal failed and a still-valid cached token was served instead.</param>
public sealed record MintedToken(string Registry, BasicCredentials Credentials, DateTimeOffset ExpiresAt, bool FromCache, string? Warning);

/// <summary>
/// Mints registry passwords with <c>GetAuthorizationToken</c> through the AWS credential chain, choosing endpoint, region
/// and profile per registry host, and caches them in a <see cref="TokenCache"/>.
/// </summary>
/// <remarks>
/// <para>Per host, each setting comes from the first of: the caller's overrides, <see cref="HelperConfig.Registries"/>, an
/// ECR host name (<c>&lt;account&gt;.dkr.ecr.&lt;region&gt;.amazonaws.com</c>: region and registry id), then the AWS chain
/// (<see cref="AwsSettingsResolver"/>). A host that is neither configured nor an ECR name gets no token: guessing an
/// endpoint would send the user's AWS credentials to whatever answers.</para>
/// <para>A cached token is served without any network call until less than <see cref="HelperConfig.RefreshWhenRemaining"/>
/// of its lifetime remains. An unreachable endpoint is retried (<see cref="HelperConfig.Attempts"/>, doubling backoff, each
/// call bounded by <see cref="HelperConfig.TimeoutSeconds"/>); if renewal still fails, a cached token that has not expired
/// is served with a warning.</para>
/// </remarks>
public sealed class TokenMinter
{
    private readonly HelperConfig _config;
    private readonly BerthUserPaths _paths;
    private readonly Func<string, string?> _environment;
    private readonly TimeProvider _time;
    private readonly Func<HttpMessageHandler>? _handlerFactory;

    /// <summary>Creates a minter.</summary>
    /// <param name="config">The helper configuration.</param>
    /// <param name="paths">Where the configuration and the cache live.</param>
    /// <param name="environment">Environment lookup for the AWS chain.</param>
    /// <param name="time">The clock (cache freshness, SigV4 dates, backoff).</param>
    /// <param name="handlerFactory">Creates the HTTP handler for each call (tests); <see langword="null"/> uses sockets with a short connect timeout.</param>
    public TokenMinter(HelperConfig config, BerthUserPaths paths, Func<string, string?> environment, TimeProvider time, Func<HttpMessageHandler>? handlerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(time);
        _config = config;
        _paths = paths;
        _environment = environment;
        _time = time;
        _handlerFactory = handlerFactory;
        Cache = new TokenCache(paths.CacheDirectory);
    }

    /// <summary>The token cache.</summary>
    public TokenCache Cache { get; }

    /// <summary>Whether a token can be minted for <paramref name="registry"/> (configured, an ECR host name, or an endpoint override).</summary>
    public bool CanMint(string registry, AwsSettingsOverrides? overrides = null) =>
        overrides?.EndpointUrl is not null || _config.For(registry) is not null || EcrRegistryHost.TryParse(registry) is not null;

    /// <summary>Returns a password for <paramref name="registry"/>: from the cache while fresh, else a new one.</summary>
    /// <param name="registry">The registry host (<c>host[:port]</c>).</param>
    /// <param name="overrides">Endpoint, region and profile that win over the configuration (the CLI's options).</param>
    /// <param name="forceRefresh">Skip the cache and always call the API.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="CredentialHelperException"><see cref="CredentialHelperError.NotFound"/> when nothing is configured for the registry.</exception>
    /// <exception cref="AwsConfigurationException">Region, profile or credentials cannot be resolved.</exception>
    /// <exception cref="EcrException">The ECR API refused or could not be reached, and no valid cached token exists.</exception>
    public async Task<MintedToken> GetAsync(string registry, AwsSettingsOverrides? overrides = null, bool forceRefresh = false, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(registry);
        var configured = _config.For(registry);
        var ecr = EcrRegistryHost.TryParse(registry);
        if (!CanMint(registry, overrides))
        {
            throw new CredentialHelperException(
                CredentialHelperError.NotFound,
                $"{registry} is not an Amazon ECR host name and {_paths.ConfigFile} has no entry for it; run "
                    + $"'berth credential-helper install --registry {registry} --endpoint-url URL' to say which ECR API issues its tokens");
        }

        // Fast path, no AWS SDK involved: when the endpoint is known up front, the profile follows the resolver's rule
        // (explicit > AWS_DEFAULT_PROFILE > AWS_PROFILE > default), so a fresh cache entry can be found right away.
        var endpoint = overrides?.EndpointUrl ?? configured?.Endpoint ?? (ecr is null ? $"https://{registry}" : null);
        if (!forceRefresh && endpoint is not null && Uri.TryCreate(endpoint, UriKind.Absolute, out var endpointUri)
            && Cache.Read(registry, AwsSettingsResolver.ProfileName(overrides?.Profile ?? configured?.Profile, _environment)) is { } fresh
            && fresh.Endpoint == endpointUri.ToString() && _time.GetUtcNow() < fresh.RefreshAt(_config.RefreshWhenRemaining))
        {
            return new MintedToken(registry, Decode(fresh.AuthorizationToken), fresh.Expires, FromCache: true, Warning: null);
        }

        return await ResolveAndMintAsync(registry, endpoint, overrides?.Region ?? configured?.Region ?? ecr?.Region, overrides?.Profile ?? configured?.Profile,
            configured?.RegistryId ?? ecr?.AccountId, forceRefresh, cancellationToken);
    }

    private async Task<MintedToken> ResolveAndMintAsync(
        string registry, string? endpoint, string? region, string? profile, string? registryId, bool forceRefresh, CancellationToken cancellationToken)
    {
        var settings = AwsSettingsResolver.Resolve(new AwsSettingsOverrides { EndpointUrl = endpoint, Region = region, Profile = profile }, _environment);

        var now = _time.GetUtcNow();
        var cached = Cache.Read(registry, settings.Profile) is { } entry && entry.Endpoint == settings.Endpoint.ToString() ? entry : null;
        if (!forceRefresh && cached is not null && now < cached.RefreshAt(_config.RefreshWhenRemaining))
        {
            return new MintedToken(registry, Decode(cached.AuthorizationToken), cached.Expires, FromCache: true, Warning: null);
        }

        CachedToken minted;
        try
        {
            minted = await MintAsync(registry, settings, registryId, cancellationToken);
        }
        catch (EcrException e) when (cached is not null && now < cached.Expires)
        {
            return new MintedToken(
                registry, Decode(cached.AuthorizationToken), cached.Expires, FromCache: true,
                Warning: $"could not renew the token for {registry} ({e.Message}); using the cached one, which expires at {cached.Expires.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}");
        }

        string? warning = null;
        try
        {
            Cache.Write(minted);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            warning = $"could not write the token cache in {Cache.Directory}: {e.Message}";
        }

        return new MintedToken(registry, Decode(minted.AuthorizationToken), minted.Expires, FromCache: false, warning);
    }

    private async Task<CachedToken> MintAsync(string registry, AwsSettings settings, string? registryId, CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromSeconds(_config.TimeoutSeconds);
        var options = settings.ToClientOptions(_time) with { AttemptTimeout = timeout, MaxAttempts = 2 };
        var request = registryId is null ? null : new GetAuthorizationTokenRequest([registryId]);
        for (var attempt = 1; ; attempt++)
        {
            var requestedAt = _time.GetUtcNow();
            var handler = _handlerFactory?.Invoke() ?? new SocketsHttpHandler
            {
                ConnectTimeout = timeout < TimeSpan.FromSeconds(5) ? timeout : TimeSpan.FromSeconds(5),
                AutomaticDecompression = DecompressionMethods.None,
            };
            using var client = new EcrClient(options, handler, disposeHandler: true);
            try
            {
                var response = await client.GetAuthorizationTokenAsync(request, cancellationToken);
                var data = response.AuthorizationData[0];
                EcrAuthorizationToken.Decode(data.AuthorizationToken);
                return new CachedToken(
                    registry, settings.Profile, settings.Endpoint.ToString(), data.AuthorizationToken,
                    requestedAt.ToUnixTimeSeconds(), (long)data.ExpiresAt, data.ProxyEndpoint);
            }
            catch (EcrConnectionException) when (attempt < _config.Attempts)
            {
                // The endpoint is down or unreachable (a reboot, a flaky network): wait 0.25 s, 0.5 s, 1 s, … and try again.
                await Task.Delay(TimeSpan.FromMilliseconds(250 * Math.Pow(2, attempt - 1)), _time, cancellationToken);
            }
        }
    }

    private static BasicCredentials Decode(string authorizationToken)
    {
        var token = EcrAuthorizationToken.Decode(authorizationToken);
        return new BasicCredentials(token.UserName, token.Password);
    }
}
