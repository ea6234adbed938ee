using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Berth.Client.Auth;
using Berth.Client.CredentialHelper;
using Berth.Client.Transfer;
using Berth.Protocol.Tokens;

namespace Berth.Client.Registry;

/// <summary>Finds the credentials a transfer uses for a registry, the way podman does: the auth files in podman's
/// order, and a <c>credHelpers</c> entry runs <c>docker-credential-&lt;helper&gt; get</c> from <c>PATH</c>.</summary>
public static class RegistryCredentials
{
    // What docker's helpers print (and exit 1 with) when they hold nothing for the registry.
    private const string NotFoundText = "credentials not found";

    // What a helper reads its configuration from. It gets these from the transfer's environment, which is the process's
    // own unless the caller injected another (the CLI's context, a test), so a helper sees what the command saw.
    private static readonly string[] HelperEnvironment =
    [
        "PATH", "HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR", "DOCKER_CONFIG", "REGISTRY_AUTH_FILE",
        "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_ECR", "AWS_EC2_METADATA_DISABLED",
    ];

    /// <summary>Resolves the credentials for <paramref name="host"/>, anonymous when nothing is stored, and refuses an
    /// ECR-style token that has already expired by <see cref="TransferOptions.Time"/>.</summary>
    /// <param name="host">The registry <c>host[:port]</c>.</param>
    /// <param name="repository">The repository, so an auth file entry for a namespace (<c>host/team</c>) can match.</param>
    /// <param name="options">Auth files, environment (PATH) and clock.</param>
    /// <param name="cancellationToken">Cancels a credential helper.</param>
    /// <returns>User and password, or <see langword="null"/> for anonymous access.</returns>
    /// <exception cref="TransferException">An auth file cannot be read, the helper failed, or the login has expired.</exception>
    public static async Task<BasicCredentials?> ResolveAsync(string host, string repository, TransferOptions options, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        ArgumentNullException.ThrowIfNull(options);

        AuthLookup? lookup;
        try
        {
            lookup = new AuthStore(options.AuthFiles).Find(string.IsNullOrEmpty(repository) ? host : $"{host}/{repository}");
        }
        catch (AuthFileException e)
        {
            throw new TransferException($"reading credentials for {host}: {e.Message}", e);
        }

        var credentials = lookup switch
        {
            null => null,
            { CredentialHelper: { } helper } => await RunHelperAsync(helper, host, options, cancellationToken),
            { Credentials: { } stored } => stored,
            _ => null, // An identity token alone is only good for an OAuth2 exchange, which ECR-style registries do not offer.
        };

        if (credentials is not null && TokenEnvelope.TryParse(credentials.Password) is { } token && token.ExpiresAt <= options.Time.GetUtcNow())
        {
            throw new TransferException(ExpiredAdvice(host, token.ExpiresAt));
        }

        return credentials;
    }

    /// <summary>The one-line advice for an expired login.</summary>
    /// <param name="host">The registry.</param>
    /// <param name="expiresAt">When the login expired, or <see langword="null"/> when unknown.</param>
    /// <returns><c>the login for HOST expired at …; run 'berth auth refresh HOST' or 'berth login HOST'</c>.</returns>
    public static string ExpiredAdvice(string host, DateTimeOffset? expiresAt) =>
        $"the login for {host} {(expiresAt is { } at ? "expired at " + at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "has expired")}; run 'berth auth refresh {host}' or 'berth login {host}'";

    private static async Task<BasicCredentials?> RunHelperAsync(string helper, string host, TransferOptions options, CancellationToken cancellationToken)
    {
        var name = "docker-credential-" + helper;
        var path = FindOnPath(name, options.Environment("PATH"))
            ?? throw new TransferException($"credential helper {name} (configured for {host} in credHelpers) is not on PATH");

        var start = new ProcessStartInfo(path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
        };
        start.ArgumentList.Add("get");
        foreach (var variable in HelperEnvironment)
        {
            if (options.Environment(variable) is { } value)
            {
                start.Environment[variable] = value;
            }
            else
            {
                start.Environment.Remove(variable);
            }
        }

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new TransferException($"credential helper {name} could not be started: {e.Message}", e);
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(options.RequestTimeout);
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync(limit.Token);
            var stderr = process.StandardError.ReadToEndAsync(limit.Token);
            try
            {
                // The protocol: the server URL on stdin, nothing else; the helper reads to end of input.
                await process.StandardInput.WriteAsync(host.AsMemory(), limit.Token);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The helper exited without reading its input; its output says why.
            }

            await process.WaitForExitAsync(limit.Token);
            var output = await stdout;
            var error = await stderr;
            if (process.ExitCode != 0)
            {
                if (output.Contains(NotFoundText, StringComparison.OrdinalIgnoreCase) || error.Contains(NotFoundText, StringComparison.OrdinalIgnoreCase))
                {
                    return null;
                }

                var line = FirstLine(error) ?? FirstLine(output) ?? "no output";
                throw new TransferException($"credential helper {name} failed for {host} (exit {process.ExitCode}): {line}");
            }

            HelperCredentials? answer;
            try
            {
                answer = JsonSerializer.Deserialize(output, HelperProtocolJsonContext.Default.HelperCredentials);
            }
            catch (JsonException)
            {
                // Never echo the output: it may hold the secret.
                throw new TransferException($"credential helper {name} printed something that is not credentials JSON for {host}");
            }

            return answer is { Secret.Length: > 0 } ? new BasicCredentials(answer.Username ?? "", answer.Secret) : null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TransferException($"credential helper {name} did not answer for {host} within {options.RequestTimeout.TotalSeconds:0} s");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static string? FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) is [var first, ..] ? first : null;

    private static string? FindOnPath(string name, string? path)
    {
        foreach (var directory in (path ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
