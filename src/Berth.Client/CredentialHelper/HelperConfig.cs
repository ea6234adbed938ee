using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Berth.Client.IO;

namespace Berth.Client.CredentialHelper;

/// <summary>How to mint tokens for one registry host: which ECR API, which region, which AWS profile.</summary>
/// <param name="Endpoint">The ECR API URL (for a Berth server, its own URL); <see langword="null"/> means the AWS
/// endpoint for ECR hosts and <c>https://HOST</c> for any other host.</param>
/// <param name="Region">The region to sign for; <see langword="null"/> means the region in an ECR host name, then the AWS chain.</param>
/// <param name="Profile">The AWS profile; <see langword="null"/> means <c>AWS_PROFILE</c>, then <c>default</c>.</param>
/// <param name="RegistryId">The registry id to ask for; <see langword="null"/> means the account in an ECR host name.</param>
public sealed record RegistryMintSettings(
    [property: JsonPropertyName("endpoint")] string? Endpoint = null,
    [property: JsonPropertyName("region")] string? Region = null,
    [property: JsonPropertyName("profile")] string? Profile = null,
    [property: JsonPropertyName("registryId")] string? RegistryId = null);

/// <summary>The credential helper's configuration file (<see cref="BerthUserPaths.ConfigFile"/>); every member is optional.</summary>
/// <remarks>
/// <code>
/// {
///   "refreshWhenRemaining": 0.5,
///   "timeoutSeconds": 10,
///   "attempts": 3,
///   "registries": {
///     "registry.example.com": { "endpoint": "https://registry.example.com", "region": "us-east-1", "profile": "ci" }
///   }
/// }
/// </code>
/// </remarks>
/// <param name="RefreshWhenRemaining">A cached token is renewed once less than this share of its lifetime remains (0 to 1; default 0.5).</param>
/// <param name="TimeoutSeconds">How long one call to the ECR API may take (default 10).</param>
/// <param name="Attempts">Calls made when the endpoint cannot be reached, with a doubling backoff between them (default 3).</param>
/// <param name="Registries">Per-host settings, keyed by <c>host[:port]</c>.</param>
public sealed record HelperConfig(
    [property: JsonPropertyName("refreshWhenRemaining")] double RefreshWhenRemaining = 0.5,
    [property: JsonPropertyName("timeoutSeconds")] double TimeoutSeconds = 10,
    [property: JsonPropertyName("attempts")] int Attempts = 3,
    [property: JsonPropertyName("registries")] IReadOnlyDictionary<string, RegistryMintSettings>? Registries = null)
{
    private static readonly JsonSerializerOptions WriteOptions = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The settings for <paramref name="registry"/>, or <see langword="null"/> when the file has none.</summary>
    public RegistryMintSettings? For(string registry) =>
        Registries is not null && Registries.TryGetValue(registry, out var settings) ? settings : null;

    /// <summary>Reads the file; a missing file is the default configuration.</summary>
    /// <exception cref="CredentialHelperException">The file cannot be read, is not valid JSON of this shape, or holds out-of-range values.</exception>
    public static HelperConfig Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return new HelperConfig();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CredentialHelperException(CredentialHelperError.Configuration, $"reading {path}: {e.Message}", e);
        }

        HelperConfig config;
        try
        {
            config = JsonSerializer.Deserialize(bytes, CredentialHelperJsonContext.Default.HelperConfig) ?? new HelperConfig();
        }
        catch (JsonException e)
        {
            throw new CredentialHelperException(
                CredentialHelperError.Configuration,
                $"{path} is not a valid berth configuration: {e.Message.Split(". Path:", 2)[0].TrimEnd('.')} (line {(e.LineNumber ?? 0) + 1})",
                e);
        }

        if (config.RefreshWhenRemaining is < 0 or > 1 || double.IsNaN(config.RefreshWhenRemaining))
        {
            throw new CredentialHelperException(CredentialHelperError.Configuration, $"{path}: refreshWhenRemaining must be between 0 and 1");
        }

        if (config.TimeoutSeconds <= 0 || config.Attempts < 1)
        {
            throw new CredentialHelperException(CredentialHelperError.Configuration, $"{path}: timeoutSeconds must be positive and attempts at least 1");
        }

        return config;
    }

    /// <summary>Sets <c>registries[<paramref name="registry"/>]</c> in the file, keeping every other member; creates the file (0600) if needed.</summary>
    /// <exception cref="CredentialHelperException">The file cannot be read, parsed or written.</exception>
    public static void SetRegistry(string path, string registry, RegistryMintSettings settings)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(registry);
        ArgumentNullException.ThrowIfNull(settings);
        Load(path);
        try
        {
            var root = File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path, Encoding.UTF8)) as JsonObject ?? [] : [];
            if (root["registries"] is not JsonObject registries)
            {
                registries = [];
                root["registries"] = registries;
            }

            registries[registry] = JsonSerializer.SerializeToNode(settings, CredentialHelperJsonContext.Default.RegistryMintSettings);
            PrivateFiles.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            PrivateFiles.WriteAtomically(path, new UTF8Encoding(false).GetBytes(root.ToJsonString(WriteOptions) + "\n"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new CredentialHelperException(CredentialHelperError.Configuration, $"writing {path}: {e.Message}", e);
        }
    }
}
