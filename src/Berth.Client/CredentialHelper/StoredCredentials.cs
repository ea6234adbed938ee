using System.Text.Json;
using Berth.Client.IO;

namespace Berth.Client.CredentialHelper;

/// <summary>Credentials handed to the helper's <c>store</c> (by <c>podman login</c>, <c>docker login</c>): one 0600 JSON
/// file, <c>{"host": {"ServerURL": …, "Username": …, "Secret": …}}</c>, edited under a lock and replaced atomically.</summary>
public sealed class StoredCredentials
{
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Creates a store backed by <paramref name="path"/> (created on the first write).</summary>
    public StoredCredentials(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The key a server URL is stored under: the host part of a URL (<c>https://host/v1/</c> → <c>host</c>), else the value as given.</summary>
    public static string KeyOf(string serverUrl)
    {
        ArgumentNullException.ThrowIfNull(serverUrl);
        var rest = serverUrl.StartsWith("https://", StringComparison.Ordinal) ? serverUrl["https://".Length..]
            : serverUrl.StartsWith("http://", StringComparison.Ordinal) ? serverUrl["http://".Length..]
            : null;
        return rest is null ? serverUrl : rest.Split('/', 2)[0];
    }

    /// <summary>Every stored entry, keyed as in the file.</summary>
    /// <exception cref="CredentialHelperException">The file cannot be read or parsed.</exception>
    public IReadOnlyDictionary<string, HelperCredentials> ReadAll()
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(Path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return new Dictionary<string, HelperCredentials>();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CredentialHelperException(CredentialHelperError.Configuration, $"reading {Path}: {e.Message}", e);
        }

        try
        {
            return JsonSerializer.Deserialize(bytes, CredentialHelperJsonContext.Default.DictionaryStringHelperCredentials)
                ?? new Dictionary<string, HelperCredentials>();
        }
        catch (JsonException e)
        {
            // The position only: the text holds secrets.
            throw new CredentialHelperException(CredentialHelperError.Configuration, $"{Path} is not valid JSON (line {(e.LineNumber ?? 0) + 1})", e);
        }
    }

    /// <summary>The entry for <paramref name="serverUrl"/>, or <see langword="null"/>.</summary>
    public HelperCredentials? Get(string serverUrl) => ReadAll().TryGetValue(KeyOf(serverUrl), out var found) ? found : null;

    /// <summary>Stores (or replaces) the entry for <paramref name="credentials"/>' server.</summary>
    /// <exception cref="CredentialHelperException">The file cannot be read, parsed or written.</exception>
    public void Add(HelperCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        Edit(entries =>
        {
            entries[KeyOf(credentials.ServerURL!)] = credentials;
            return true;
        });
    }

    /// <summary>Removes the entry for <paramref name="serverUrl"/>.</summary>
    /// <returns>Whether there was one.</returns>
    /// <exception cref="CredentialHelperException">The file cannot be read, parsed or written.</exception>
    public bool Remove(string serverUrl) => File.Exists(Path) && Edit(entries => entries.Remove(KeyOf(serverUrl)));

    private bool Edit(Func<Dictionary<string, HelperCredentials>, bool> edit)
    {
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!;
        try
        {
            PrivateFiles.CreateDirectory(directory);
            using (PrivateFiles.Lock(Path + ".lock", LockTimeout))
            {
                var entries = new Dictionary<string, HelperCredentials>(ReadAll(), StringComparer.Ordinal);
                if (!edit(entries))
                {
                    return false;
                }

                PrivateFiles.WriteAtomically(Path, JsonSerializer.SerializeToUtf8Bytes(entries, CredentialHelperJsonContext.Default.DictionaryStringHelperCredentials));
                return true;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or TimeoutException)
        {
            throw new CredentialHelperException(CredentialHelperError.Configuration, $"writing {Path}: {e.Message}", e);
        }
    }
}
