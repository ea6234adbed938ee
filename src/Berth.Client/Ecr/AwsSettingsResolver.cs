using System.Text.RegularExpressions;
using Amazon.Runtime;

namespace Berth.Client.Ecr;

/// <summary>Values given on the command line; each wins over every other source.</summary>
public sealed record AwsSettingsOverrides
{
    /// <summary><c>--endpoint-url</c>.</summary>
    public string? EndpointUrl { get; init; }

    /// <summary><c>--region</c>.</summary>
    public string? Region { get; init; }

    /// <summary><c>--profile</c>.</summary>
    public string? Profile { get; init; }
}

/// <summary>Where the ECR API is, which region to sign for, and the credentials to sign with.</summary>
/// <param name="Endpoint">The API endpoint.</param>
/// <param name="Region">The SigV4 region.</param>
/// <param name="Credentials">The credentials.</param>
/// <param name="Profile">The profile the files were consulted for (<c>default</c> unless one was selected).</param>
/// <param name="CredentialSource">Where the credentials came from, in botocore's terms: <c>env</c>,
/// <c>shared-credentials-file</c>, <c>custom-process</c> or <c>config-file</c>.</param>
public sealed record AwsSettings(Uri Endpoint, string Region, AWSCredentials Credentials, string Profile, string CredentialSource)
{
    /// <summary>Options for an <see cref="EcrClient"/> with these settings.</summary>
    public EcrClientOptions ToClientOptions(TimeProvider? timeProvider = null) =>
        new() { Endpoint = Endpoint, Region = Region, Credentials = Credentials, TimeProvider = timeProvider ?? TimeProvider.System };
}

/// <summary>Resolves endpoint, region and credentials for the ECR API like the aws CLI v1 (botocore) does.</summary>
/// <remarks>
/// <para>Endpoint: <c>--endpoint-url</c> &gt; <c>AWS_ENDPOINT_URL_ECR</c> &gt; <c>AWS_ENDPOINT_URL</c> &gt; the profile's
/// <c>services</c> section (<c>ecr = / endpoint_url = …</c>) &gt; the profile's <c>endpoint_url</c> &gt; the AWS endpoint.
/// <c>AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true</c> (or the profile's <c>ignore_configured_endpoint_urls</c>) skips all
/// but <c>--endpoint-url</c>.</para>
/// <para>Region: <c>--region</c> &gt; <c>AWS_REGION</c> &gt; <c>AWS_DEFAULT_REGION</c> &gt; the profile's <c>region</c>
/// (config file, overridden by the credentials file). botocore v1 itself ignores <c>AWS_REGION</c>; the CLI v2 and the
/// SDKs read it first, and so does Berth.</para>
/// <para>Profile: <c>--profile</c> &gt; <c>AWS_DEFAULT_PROFILE</c> &gt; <c>AWS_PROFILE</c> &gt; <c>default</c>; a profile
/// that was selected explicitly must exist in one of the files.</para>
/// <para>Credentials, in botocore's order: the environment (<c>AWS_ACCESS_KEY_ID</c>, <c>AWS_SECRET_ACCESS_KEY</c>,
/// <c>AWS_SESSION_TOKEN</c>; skipped when <c>--profile</c> is given), the credentials file, the profile's
/// <c>credential_process</c>, the config file. The environment step is implemented here rather than by AWSSDK.Core's
/// <c>DefaultAWSCredentialsIdentityResolver</c>, because that chain reads the process environment (and so do its
/// profile-file defaults), while every lookup here must go through the injected environment. The container and EC2
/// metadata (IMDS) steps are left out on purpose: they make network calls that can block for seconds off AWS. SSO and
/// assume-role profiles are reported as unsupported instead of being silently skipped.</para>
/// </remarks>
public static partial class AwsSettingsResolver
{
    /// <summary>The aws CLI's message when no region is configured.</summary>
    public const string MissingRegionMessage = "You must specify a region. You can also configure your region by running \"aws configure\".";

    /// <summary>The aws CLI's message when no credentials are found.</summary>
    public const string MissingCredentialsMessage = "Unable to locate credentials. You can configure credentials by running \"aws configure\".";

    /// <summary>The profile the settings come from: <paramref name="explicitProfile"/>, <c>AWS_DEFAULT_PROFILE</c>,
    /// <c>AWS_PROFILE</c> or <c>default</c> (empty values do not count). <see cref="AwsSettings.Profile"/> is this name.</summary>
    /// <param name="explicitProfile">The <c>--profile</c> value, if any.</param>
    /// <param name="environment">Environment lookup.</param>
    /// <returns>The profile name.</returns>
    public static string ProfileName(string? explicitProfile, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return SelectedProfile(explicitProfile, environment) ?? "default";
    }

    private static string? SelectedProfile(string? explicitProfile, Func<string, string?> environment) =>
        NonEmpty(explicitProfile) ?? NonEmpty(environment("AWS_DEFAULT_PROFILE")) ?? NonEmpty(environment("AWS_PROFILE"));

    /// <summary>Resolves the settings for the ECR API.</summary>
    /// <param name="overrides">Command-line values.</param>
    /// <param name="environment">Environment lookup (the process environment in production, a dictionary in tests).</param>
    /// <param name="service">The service whose endpoint settings apply: <c>ecr</c> (<c>AWS_ENDPOINT_URL_ECR</c>) or
    /// <c>iam</c> (<c>AWS_ENDPOINT_URL_IAM</c>, default <c>https://iam.amazonaws.com</c>).</param>
    /// <exception cref="AwsConfigurationException">A setting is missing or invalid; the message is the aws CLI's.</exception>
    public static AwsSettings Resolve(AwsSettingsOverrides overrides, Func<string, string?> environment, string service = "ecr")
    {
        ArgumentNullException.ThrowIfNull(overrides);
        ArgumentNullException.ThrowIfNull(environment);
        string? Env(string name) => environment(name) is { Length: > 0 } value ? value : null;

        // Same order of checks as the CLI: arguments, profile, region, endpoint, credentials.
        var endpoint = overrides.EndpointUrl is null ? null : ParseCommandLineEndpoint(overrides.EndpointUrl);

        var files = AwsSharedConfig.Load(
            ExpandHome(Env("AWS_CONFIG_FILE") ?? Path.Combine("~", ".aws", "config"), Env),
            ExpandHome(Env("AWS_SHARED_CREDENTIALS_FILE") ?? Path.Combine("~", ".aws", "credentials"), Env));
        var explicitProfile = SelectedProfile(overrides.Profile, environment);
        var profileName = explicitProfile ?? "default";
        var profile = files.Profile(profileName);
        if (profile is null && explicitProfile is not null)
        {
            throw new AwsConfigurationException(AwsConfigurationError.ProfileNotFound, $"The config profile ({profileName}) could not be found");
        }

        profile ??= new Dictionary<string, string>();
        var region = NonEmpty(overrides.Region) ?? Env("AWS_REGION") ?? Env("AWS_DEFAULT_REGION") ?? NonEmpty(profile.GetValueOrDefault("region"))
            ?? throw new AwsConfigurationException(AwsConfigurationError.MissingRegion, MissingRegionMessage);
        if (!RegionPattern().IsMatch(region))
        {
            throw new AwsConfigurationException(AwsConfigurationError.InvalidRegion, $"Provided region_name '{region}' doesn't match a supported format.");
        }

        endpoint ??= ConfiguredEndpoint(profile, files, Env, service)
            ?? (service == "iam" ? new Uri("https://iam.amazonaws.com") : EcrEndpoints.Default(region));
        var (credentials, source) = ResolveCredentials(profileName, files, useEnvironment: NonEmpty(overrides.Profile) is null, Env);
        return new AwsSettings(endpoint, region, credentials, profileName, source);
    }

    /// <summary>Validates <c>--endpoint-url</c> like the CLI's argument handler, then like botocore's endpoint check.</summary>
    public static Uri ParseCommandLineEndpoint(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!SchemePattern().IsMatch(value))
        {
            throw new AwsConfigurationException(
                AwsConfigurationError.InvalidEndpoint,
                $"Bad value for --endpoint-url \"{value}\": scheme is missing.  Must be of the form http://<hostname>/ or https://<hostname>/");
        }

        return ParseEndpoint(value);
    }

    private static Uri ParseEndpoint(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0
            ? uri
            : throw new AwsConfigurationException(AwsConfigurationError.InvalidEndpoint, $"Invalid endpoint: {value}");

    private static Uri? ConfiguredEndpoint(IReadOnlyDictionary<string, string> profile, AwsSharedConfig files, Func<string, string?> env, string service)
    {
        if (IsTrue(env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") ?? profile.GetValueOrDefault("ignore_configured_endpoint_urls")))
        {
            return null;
        }

        var value = env("AWS_ENDPOINT_URL_" + service.ToUpperInvariant()) ?? env("AWS_ENDPOINT_URL");
        if (value is null && NonEmpty(profile.GetValueOrDefault("services")) is { } servicesName)
        {
            var services = files.ServiceSettings(servicesName, service) ?? throw new AwsConfigurationException(
                AwsConfigurationError.InvalidConfigFile,
                $"The profile is configured to use the services section but the \"{servicesName}\" services configuration does not exist.");
            value = NonEmpty(services.GetValueOrDefault("endpoint_url"));
        }

        value ??= NonEmpty(profile.GetValueOrDefault("endpoint_url"));
        return value is null ? null : ParseEndpoint(value);
    }

    private static (AWSCredentials Credentials, string Source) ResolveCredentials(
        string profileName, AwsSharedConfig files, bool useEnvironment, Func<string, string?> env)
    {
        // botocore drops the environment step when --profile names a profile explicitly (AWS_PROFILE does not).
        if (useEnvironment && env("AWS_ACCESS_KEY_ID") is { } accessKey)
        {
            var secret = env("AWS_SECRET_ACCESS_KEY") ?? throw Partial("env", "AWS_SECRET_ACCESS_KEY");
            return (Create(accessKey, secret, env("AWS_SESSION_TOKEN") ?? env("AWS_SECURITY_TOKEN")), "env");
        }

        var config = files.ConfigProfile(profileName) ?? new Dictionary<string, string>();
        if (NonEmpty(config.GetValueOrDefault("role_arn")) is not null)
        {
            throw Unsupported(profileName, "assumes a role (role_arn)");
        }

        if (NonEmpty(config.GetValueOrDefault("sso_session")) is not null || NonEmpty(config.GetValueOrDefault("sso_start_url")) is not null)
        {
            throw Unsupported(profileName, "uses IAM Identity Center (SSO)");
        }

        if (FromProfile(files.CredentialsProfile(profileName), "shared-credentials-file") is { } fromCredentialsFile)
        {
            return (fromCredentialsFile, "shared-credentials-file");
        }

        if (NonEmpty(files.Profile(profileName)?.GetValueOrDefault("credential_process")) is { } process)
        {
            return (new ProcessAWSCredentials(process), "custom-process");
        }

        if (FromProfile(config, "config-file") is { } fromConfigFile)
        {
            return (fromConfigFile, "config-file");
        }

        throw new AwsConfigurationException(AwsConfigurationError.MissingCredentials, MissingCredentialsMessage);
    }

    private static AWSCredentials? FromProfile(IReadOnlyDictionary<string, string>? section, string source)
    {
        if (section is null || NonEmpty(section.GetValueOrDefault("aws_access_key_id")) is not { } accessKey)
        {
            return null;
        }

        var secret = NonEmpty(section.GetValueOrDefault("aws_secret_access_key")) ?? throw Partial(source, "aws_secret_access_key");
        return Create(accessKey, secret, NonEmpty(section.GetValueOrDefault("aws_session_token")) ?? NonEmpty(section.GetValueOrDefault("aws_security_token")));
    }

    private static AWSCredentials Create(string accessKey, string secretKey, string? sessionToken) =>
        sessionToken is null ? new BasicAWSCredentials(accessKey, secretKey) : new SessionAWSCredentials(accessKey, secretKey, sessionToken);

    private static AwsConfigurationException Partial(string provider, string missing) =>
        new(AwsConfigurationError.PartialCredentials, $"Partial credentials found in {provider}, missing: {missing}");

    private static AwsConfigurationException Unsupported(string profile, string what) =>
        new(
            AwsConfigurationError.UnsupportedCredentials,
            $"The config profile ({profile}) {what}, which berth cannot use yet. Export temporary credentials "
                + "(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), e.g. with 'aws configure export-credentials'.");

    // botocore expands "~" in AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE and in the defaults.
    private static string ExpandHome(string path, Func<string, string?> env)
    {
        if (path != "~" && !path.StartsWith("~/", StringComparison.Ordinal) && !path.StartsWith("~" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            return path;
        }

        // Only when the environment names no home does the OS account's profile directory stand in.
        var home = env("HOME") ?? (OperatingSystem.IsWindows() ? env("USERPROFILE") : null)
            ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(home, path.Length > 2 ? path[2..] : "");
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static bool IsTrue(string? value) => string.Equals(value?.Trim(), "true", StringComparison.OrdinalIgnoreCase);

    // urllib.parse: a scheme is a letter followed by letters, digits, "+", "-" or ".", then ":".
    [GeneratedRegex("^[A-Za-z][A-Za-z0-9+.-]*:")]
    private static partial Regex SchemePattern();

    // botocore.utils.validate_region_name: a valid host label that is not all digits.
    [GeneratedRegex("^(?![0-9]+$)(?!-)[a-zA-Z0-9-]{1,63}(?<!-)$")]
    private static partial Regex RegionPattern();
}
