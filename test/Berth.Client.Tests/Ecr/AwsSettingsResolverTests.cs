using Berth.Client.Ecr;
using Berth.Testing;

namespace Berth.Client.Tests.Ecr;

/// <summary>Endpoint, region, profile and credentials resolve like the aws CLI v1 (ecr-protocol.md §1.3).</summary>
public sealed class AwsSettingsResolverTests : IDisposable
{
    private readonly TempDirectory _home = TempDirectory.Create("berth-aws-home-");
    private readonly Dictionary<string, string?> _env = [];

    public AwsSettingsResolverTests()
    {
        _env["HOME"] = _home.Path;
        Directory.CreateDirectory(_home.Combine(".aws"));
    }

    [Fact]
    public void Resolve_EveryEndpointSource_FollowsTheCliPrecedence()
    {
        WriteConfig("""
            [default]
            region = us-east-1
            endpoint_url = http://profile-endpoint
            services = local

            [services local]
            ecr =
              endpoint_url = http://services-endpoint
            """);
        WriteCredentials("[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret\n");
        _env["AWS_ENDPOINT_URL"] = "http://global-env";
        _env["AWS_ENDPOINT_URL_ECR"] = "http://ecr-env";

        Assert.Equal("http://cli/", Resolve(new() { EndpointUrl = "http://cli" }).Endpoint.AbsoluteUri);
        Assert.Equal("http://ecr-env/", Resolve().Endpoint.AbsoluteUri);
        _env.Remove("AWS_ENDPOINT_URL_ECR");
        Assert.Equal("http://global-env/", Resolve().Endpoint.AbsoluteUri);
        _env.Remove("AWS_ENDPOINT_URL");
        Assert.Equal("http://services-endpoint/", Resolve().Endpoint.AbsoluteUri);
        WriteConfig("[default]\nregion = us-east-1\nendpoint_url = http://profile-endpoint\n");
        Assert.Equal("http://profile-endpoint/", Resolve().Endpoint.AbsoluteUri);
        WriteConfig("[default]\nregion = us-east-1\n");
        Assert.Equal("https://api.ecr.us-east-1.amazonaws.com/", Resolve().Endpoint.AbsoluteUri);
    }

    [Fact]
    public void Resolve_IgnoreConfiguredEndpointUrls_OnlyTheCommandLineCounts()
    {
        WriteConfig("[default]\nregion = eu-west-1\nendpoint_url = http://profile-endpoint\n");
        _env["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE";
        _env["AWS_SECRET_ACCESS_KEY"] = "secret";
        _env["AWS_ENDPOINT_URL_ECR"] = "http://ecr-env";
        _env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true";

        Assert.Equal("https://api.ecr.eu-west-1.amazonaws.com/", Resolve().Endpoint.AbsoluteUri);
        Assert.Equal("http://cli:5000/", Resolve(new() { EndpointUrl = "http://cli:5000" }).Endpoint.AbsoluteUri);
    }

    [Theory]
    [InlineData("cn-north-1", "https://api.ecr.cn-north-1.amazonaws.com.cn/")]
    [InlineData("us-gov-west-1", "https://api.ecr.us-gov-west-1.amazonaws.com/")]
    [InlineData("eu-central-2", "https://api.ecr.eu-central-2.amazonaws.com/")]
    public void Resolve_NoConfiguredEndpoint_UsesTheAwsEndpointForTheRegion(string region, string expected)
    {
        UseEnvironmentCredentials();

        Assert.Equal(expected, Resolve(new() { Region = region }).Endpoint.AbsoluteUri);
    }

    [Fact]
    public void Resolve_EveryRegionSource_FollowsThePrecedence()
    {
        WriteConfig("[profile team]\nregion = from-config\n");
        WriteCredentials("[team]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret\nregion = from-credentials\n");
        _env["AWS_PROFILE"] = "team";
        _env["AWS_REGION"] = "from-aws-region";
        _env["AWS_DEFAULT_REGION"] = "from-default-region";

        Assert.Equal("from-cli", Resolve(new() { Region = "from-cli" }).Region);
        Assert.Equal("from-aws-region", Resolve().Region);
        _env.Remove("AWS_REGION");
        Assert.Equal("from-default-region", Resolve().Region);
        _env.Remove("AWS_DEFAULT_REGION");
        Assert.Equal("from-credentials", Resolve().Region);
        WriteCredentials("[team]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret\n");
        Assert.Equal("from-config", Resolve().Region);
    }

    [Fact]
    public void Resolve_NoRegion_ThrowsTheCliMessage()
    {
        UseEnvironmentCredentials();

        var error = Assert.Throws<AwsConfigurationException>(() => Resolve(new() { EndpointUrl = "http://127.0.0.1:5000" }));

        Assert.Equal(AwsConfigurationError.MissingRegion, error.Error);
        Assert.Equal("You must specify a region. You can also configure your region by running \"aws configure\".", error.Message);
    }

    [Fact]
    public void Resolve_InvalidRegion_ThrowsBotocoresMessage()
    {
        UseEnvironmentCredentials();

        var error = Assert.Throws<AwsConfigurationException>(() => Resolve(new() { Region = "us-east-1/../x" }));

        Assert.Equal("Provided region_name 'us-east-1/../x' doesn't match a supported format.", error.Message);
    }

    [Fact]
    public void Resolve_NoCredentials_ThrowsTheCliMessage()
    {
        var error = Assert.Throws<AwsConfigurationException>(() => Resolve(new() { Region = "us-east-1" }));

        Assert.Equal(AwsConfigurationError.MissingCredentials, error.Error);
        Assert.Equal("Unable to locate credentials. You can configure credentials by running \"aws configure\".", error.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Resolve_UnknownProfile_ThrowsProfileNotFound(bool viaCommandLine)
    {
        UseEnvironmentCredentials();
        WriteCredentials("[other]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret\n");
        if (!viaCommandLine)
        {
            _env["AWS_PROFILE"] = "nope";
        }

        var error = Assert.Throws<AwsConfigurationException>(() => Resolve(new() { Region = "us-east-1", Profile = viaCommandLine ? "nope" : null }));

        Assert.Equal(AwsConfigurationError.ProfileNotFound, error.Error);
        Assert.Equal("The config profile (nope) could not be found", error.Message);
    }

    [Fact]
    public void Resolve_ProfileOnCommandLine_SkipsEnvironmentCredentials()
    {
        UseEnvironmentCredentials();
        WriteCredentials("[team]\naws_access_key_id = AKIDTEAM\naws_secret_access_key = team-secret\n");

        var settings = Resolve(new() { Region = "us-east-1", Profile = "team" });

        Assert.Equal("shared-credentials-file", settings.CredentialSource);
        Assert.Equal("AKIDTEAM", settings.Credentials.GetCredentials().AccessKey);
        Assert.Equal("team", settings.Profile);
    }

    [Fact]
    public void Resolve_ProfileFromEnvironment_EnvironmentCredentialsStillWin()
    {
        UseEnvironmentCredentials();
        WriteCredentials("[team]\naws_access_key_id = AKIDTEAM\naws_secret_access_key = team-secret\nregion = eu-west-3\n");
        _env["AWS_PROFILE"] = "team";

        var settings = Resolve();

        Assert.Equal("env", settings.CredentialSource);
        Assert.Equal("AKIDENV", settings.Credentials.GetCredentials().AccessKey);
        Assert.Equal("eu-west-3", settings.Region);
    }

    [Fact]
    public void Resolve_EnvironmentSessionToken_UsesSessionCredentials()
    {
        UseEnvironmentCredentials();
        _env["AWS_SESSION_TOKEN"] = "FQoGZXIvYXdzEXAMPLE";

        var credentials = Resolve(new() { Region = "us-east-1" }).Credentials.GetCredentials();

        Assert.Equal(("AKIDENV", "env-secret", "FQoGZXIvYXdzEXAMPLE"), (credentials.AccessKey, credentials.SecretKey, credentials.Token));
    }

    [Fact]
    public void Resolve_AccessKeyWithoutSecret_ThrowsPartialCredentials()
    {
        _env["AWS_ACCESS_KEY_ID"] = "AKIDENV";

        var error = Assert.Throws<AwsConfigurationException>(() => Resolve(new() { Region = "us-east-1" }));

        Assert.Equal("Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY", error.Message);
    }

    [Fact]
    public void Resolve_ConfigFileProfile_NeedsTheProfilePrefix()
    {
        WriteConfig("[profile team]\nregion = us-west-2\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = config-secret\n\n[bare]\nregion = us-west-1\n");

        var settings = Resolve(new() { Profile = "team" });

        Assert.Equal(("us-west-2", "config-file", "AKIDCONFIG"), (settings.Region, settings.CredentialSource, settings.Credentials.GetCredentials().AccessKey));
        Assert.Equal(AwsConfigurationError.ProfileNotFound, Assert.Throws<AwsConfigurationException>(() => Resolve(new() { Profile = "bare" })).Error);
    }

    [Fact]
    public void Resolve_ExplicitFilePaths_AreReadInsteadOfHome()
    {
        WriteCredentials("[default]\naws_access_key_id = AKIDHOME\naws_secret_access_key = home-secret\n");
        var credentials = _home.Combine("elsewhere-credentials");
        File.WriteAllText(credentials, "[default]\naws_access_key_id = AKIDELSEWHERE\naws_secret_access_key = secret\n");
        var config = _home.Combine("elsewhere-config");
        File.WriteAllText(config, "[default]\nregion = ap-southeast-2\n");
        _env["AWS_SHARED_CREDENTIALS_FILE"] = credentials;
        _env["AWS_CONFIG_FILE"] = config;

        var settings = Resolve();

        Assert.Equal(("ap-southeast-2", "AKIDELSEWHERE"), (settings.Region, settings.Credentials.GetCredentials().AccessKey));
    }

    [Fact]
    public async Task Resolve_CredentialProcess_RunsItThroughAwsSdk()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("uses a shell script");
        }

        var script = _home.Combine("creds.sh");
        File.WriteAllText(script, "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROCESS\", \"SecretAccessKey\": \"process-secret\"}'\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        WriteConfig($"[profile tool]\nregion = us-east-1\ncredential_process = {script}\n");

        var settings = Resolve(new() { Profile = "tool" });
        var credentials = await settings.Credentials.GetCredentialsAsync();

        Assert.Equal(("custom-process", "AKIDPROCESS", "process-secret"), (settings.CredentialSource, credentials.AccessKey, credentials.SecretKey));
    }

    [Fact]
    public void Resolve_AssumeRoleProfile_ReportsUnsupported()
    {
        WriteConfig("[profile admin]\nregion = us-east-1\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = default\n");

        var error = Assert.Throws<AwsConfigurationException>(() => Resolve(new() { Profile = "admin" }));

        Assert.Equal(AwsConfigurationError.UnsupportedCredentials, error.Error);
        Assert.StartsWith("The config profile (admin) assumes a role (role_arn)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_CommandLineEndpointWithoutScheme_ThrowsTheCliMessage()
    {
        var error = Assert.Throws<AwsConfigurationException>(() => Resolve(new() { EndpointUrl = "127.0.0.1:5000", Region = "us-east-1" }));

        Assert.Equal(AwsConfigurationError.InvalidEndpoint, error.Error);
        Assert.Equal("Bad value for --endpoint-url \"127.0.0.1:5000\": scheme is missing.  Must be of the form http://<hostname>/ or https://<hostname>/", error.Message);
    }

    [Fact]
    public void Resolve_EnvironmentEndpointWithoutScheme_ThrowsInvalidEndpoint()
    {
        UseEnvironmentCredentials();
        _env["AWS_ENDPOINT_URL"] = "127.0.0.1:5000";

        var error = Assert.Throws<AwsConfigurationException>(() => Resolve(new() { Region = "us-east-1" }));

        Assert.Equal("Invalid endpoint: 127.0.0.1:5000", error.Message);
    }

    [Fact]
    public void Resolve_MissingServicesSection_ThrowsBotocoresMessage()
    {
        UseEnvironmentCredentials();
        WriteConfig("[default]\nregion = us-east-1\nservices = nowhere\n");

        var error = Assert.Throws<AwsConfigurationException>(() => Resolve());

        Assert.Equal("The profile is configured to use the services section but the \"nowhere\" services configuration does not exist.", error.Message);
    }

    [Fact]
    public void Resolve_MalformedCredentialsFile_MessageNamesOnlyThePath()
    {
        WriteCredentials("[default]\naws_access_key_id = AKIDEXAMPLE\nthis line holds a secret wJalrXUtnFEMI\n");

        var error = Assert.Throws<AwsConfigurationException>(() => Resolve(new() { Region = "us-east-1" }));

        Assert.Equal($"Unable to parse config file: {_home.Combine(".aws", "credentials")}", error.Message);
        Assert.DoesNotContain("wJalrXUtnFEMI", error.ToString(), StringComparison.Ordinal);
    }

    public void Dispose() => _home.Dispose();

    private AwsSettings Resolve(AwsSettingsOverrides? overrides = null) =>
        AwsSettingsResolver.Resolve(overrides ?? new AwsSettingsOverrides(), name => _env.TryGetValue(name, out var value) ? value : null);

    private void UseEnvironmentCredentials()
    {
        _env["AWS_ACCESS_KEY_ID"] = "AKIDENV";
        _env["AWS_SECRET_ACCESS_KEY"] = "env-secret";
    }

    private void WriteConfig(string text) => File.WriteAllText(_home.Combine(".aws", "config"), text);

    private void WriteCredentials(string text) => File.WriteAllText(_home.Combine(".aws", "credentials"), text);
}
