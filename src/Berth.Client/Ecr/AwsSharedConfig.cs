using Amazon.Runtime.Internal.Util;

namespace Berth.Client.Ecr;

/// <summary>The AWS shared config and credentials files, read from explicit paths.</summary>
/// <remarks>
/// Parsing uses AWSSDK.Core's own INI reader (<see cref="ProfileIniFile"/>, the one behind its
/// <c>SharedCredentialsFile</c>). <c>SharedCredentialsFile</c> itself is not used: it picks the config file from the
/// process environment (<c>AWS_CONFIG_FILE</c>) or from a <c>config</c> file next to the credentials file, with no
/// way to pass a path, which would break resolution through an injected environment.
/// </remarks>
internal sealed class AwsSharedConfig
{
    private readonly ProfileIniFile? _config;
    private readonly ProfileIniFile? _configDefault;
    private readonly ProfileIniFile? _credentials;

    private AwsSharedConfig(string configPath, string credentialsPath, ProfileIniFile? config, ProfileIniFile? configDefault, ProfileIniFile? credentials)
    {
        ConfigPath = configPath;
        CredentialsPath = credentialsPath;
        _config = config;
        _configDefault = configDefault;
        _credentials = credentials;
    }

    public string ConfigPath { get; }

    public string CredentialsPath { get; }

    /// <summary>Loads both files; a missing file is an empty one, an unreadable one is an error naming only its path.</summary>
    public static AwsSharedConfig Load(string configPath, string credentialsPath) =>
        new(
            configPath,
            credentialsPath,
            Open(configPath, profileMarkerRequired: true),
            Open(configPath, profileMarkerRequired: false),
            Open(credentialsPath, profileMarkerRequired: false));

    /// <summary>The profile's section in the config file: <c>[profile NAME]</c>, or <c>[default]</c> for the default profile.</summary>
    public IReadOnlyDictionary<string, string>? ConfigProfile(string name) =>
        Section(name == "default" ? _configDefault : _config, name, servicesSection: false);

    /// <summary>The profile's section in the credentials file: <c>[NAME]</c>.</summary>
    public IReadOnlyDictionary<string, string>? CredentialsProfile(string name) =>
        Section(_credentials, name, servicesSection: false);

    /// <summary>The profile as botocore sees it: config file values, overridden by credentials file values.</summary>
    public IReadOnlyDictionary<string, string>? Profile(string name)
    {
        var config = ConfigProfile(name);
        var credentials = CredentialsProfile(name);
        if (config is null && credentials is null)
        {
            return null;
        }

        var merged = new Dictionary<string, string>(config ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        foreach (var (key, value) in credentials ?? new Dictionary<string, string>())
        {
            merged[key] = value;
        }

        return merged;
    }

    /// <summary>A service's settings in a <c>[services NAME]</c> section (<c>ecr =</c> followed by indented <c>key = value</c> lines).</summary>
    /// <returns><see langword="null"/> when the section does not exist; an empty map when it has nothing for the service.</returns>
    public IReadOnlyDictionary<string, string>? ServiceSettings(string sectionName, string service)
    {
        if (_config is null)
        {
            return null;
        }

        try
        {
            if (!_config.TryGetSection(sectionName, false, true, out _, out var nested))
            {
                return null;
            }

            return nested is not null && nested.TryGetValue(service, out var settings) ? settings : new Dictionary<string, string>();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw Unparsable(ConfigPath, e);
        }
    }

    private Dictionary<string, string>? Section(ProfileIniFile? file, string name, bool servicesSection)
    {
        if (file is null)
        {
            return null;
        }

        try
        {
            return file.TryGetSection(name, false, servicesSection, out var properties, out _) ? properties ?? [] : null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw Unparsable(file == _credentials ? CredentialsPath : ConfigPath, e);
        }
    }

    private static ProfileIniFile? Open(string path, bool profileMarkerRequired)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return new ProfileIniFile(path, profileMarkerRequired);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw Unparsable(path, e);
        }
    }

    // botocore's ConfigParseError wording; the parser's own message may quote a line of the file (a secret), so drop it.
    private static AwsConfigurationException Unparsable(string path, Exception e) =>
        new(AwsConfigurationError.InvalidConfigFile, $"Unable to parse config file: {path}", e is IOException or UnauthorizedAccessException ? e : null);
}
