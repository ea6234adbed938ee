using System.Globalization;
using System.Text;
using Berth.Metadata.Sqlite;
using Berth.Registry;
using Berth.Registry.Security;

namespace Berth.Server.Hosting;

/// <summary>What the first start created, for the console announcement.</summary>
/// <param name="CredentialsFile">The AWS shared-credentials file holding the admin key (profile <c>berth</c>).</param>
/// <param name="AccessKeyId">The admin's access key id (the secret is only in the file).</param>
/// <param name="Created">True on the start that created it.</param>
public sealed record BootstrapAdmin(string CredentialsFile, string AccessKeyId, bool Created);

/// <summary>Lays out the embedded data directory: key ring, metadata database, bootstrap admin.</summary>
/// <remarks>The only class that knows the file names under the data directory.</remarks>
public static class DataDirectory
{
    /// <summary>The admin user the first start creates.</summary>
    public const string AdminUser = "admin";

    /// <summary>The profile name in the credentials file.</summary>
    public const string Profile = "berth";

    /// <summary>The key ring file.</summary>
    public static string KeyRingPath(string root) => Path.Combine(root, "keyring.json");

    /// <summary>The SQLite metadata database.</summary>
    public static string MetadataPath(string root) => Path.Combine(root, "metadata.db");

    /// <summary>The bootstrap credentials file.</summary>
    public static string CredentialsPath(string root) => Path.Combine(root, "credentials");

    /// <summary>Creates the directory with mode 0700 if it is missing.</summary>
    public static void Ensure(string root)
    {
        if (!Directory.Exists(root))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(root);
            }
            else
            {
                Directory.CreateDirectory(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
    }

    /// <summary>Opens the key ring (generating the first master key on first start).</summary>
    public static KeyRing OpenKeyRing(string root, TimeProvider time)
    {
        Ensure(root);
        return new KeyRing(new FileKeyRingStore(KeyRingPath(root)), time);
    }

    /// <summary>Opens the metadata database.</summary>
    public static SqliteMetadataStore OpenMetadata(string root)
    {
        Ensure(root);
        return SqliteMetadataStore.Open(MetadataPath(root));
    }

    /// <summary>Creates the admin user and its first access key once, writing them to the credentials file.</summary>
    public static async Task<BootstrapAdmin> EnsureAdminAsync(
        string root, IPrincipalStore principals, AccessKeys keys, RegistryOptions registry, TimeProvider time, CancellationToken cancellationToken)
    {
        var path = CredentialsPath(root);
        var admin = await principals.FindUserAsync(AdminUser, cancellationToken);
        if (admin is not null)
        {
            return new BootstrapAdmin(path, ReadAccessKeyId(path) ?? "(see the credentials file)", Created: false);
        }

        admin = new Principal(AdminUser, IsAdmin: true, IsActive: true, time.GetUtcNow());
        await principals.CreateUserAsync(admin, cancellationToken);
        var key = await keys.CreateAsync(admin, cancellationToken);
        var text = string.Create(CultureInfo.InvariantCulture, $"""
            # Berth bootstrap admin ({registry.UserArn(AdminUser)}), created {time.GetUtcNow():yyyy-MM-dd'T'HH:mm:ss'Z'}.
            # Keep this file private: it is the registry's root credential.
            [{Profile}]
            aws_access_key_id = {key.AccessKeyId}
            aws_secret_access_key = {key.SecretAccessKey}
            region = {registry.Region}

            """);
        SecretFile.WriteAllBytes(path, Encoding.UTF8.GetBytes(text));
        return new BootstrapAdmin(path, key.AccessKeyId, Created: true);
    }

    private static string? ReadAccessKeyId(string path) =>
        File.Exists(path)
            ? File.ReadLines(path)
                .Select(l => l.Split('=', 2, StringSplitOptions.TrimEntries))
                .FirstOrDefault(p => p.Length == 2 && p[0] == "aws_access_key_id")?[1]
            : null;
}
