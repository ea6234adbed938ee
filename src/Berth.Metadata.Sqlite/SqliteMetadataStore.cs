using System.Globalization;
using Berth.Registry.Security;
using Microsoft.Data.Sqlite;

namespace Berth.Metadata.Sqlite;

/// <summary>Registry metadata in one SQLite file, the embedded default.</summary>
/// <remarks>
/// The schema is created and upgraded by <see cref="SqliteMigrations"/> when the store opens. Each operation opens
/// its own pooled connection, so the store is safe for concurrent use; WAL mode lets readers run beside a writer.
/// </remarks>
public sealed partial class SqliteMetadataStore : IPrincipalStore
{
    private readonly string _connectionString;

    private SqliteMetadataStore(string connectionString) => _connectionString = connectionString;

    /// <summary>Opens (creating if needed) the database at <paramref name="path"/> and migrates it to the current schema.</summary>
    public static SqliteMetadataStore Open(string path)
    {
        var isNew = !File.Exists(path);
        var connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true }.ToString();
        using (var connection = new SqliteConnection(connectionString))
        {
            connection.Open();
            if (isNew && !OperatingSystem.IsWindows())
            {
                // Sealed secrets live here: owner-only, like the key ring.
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            Execute(connection, "PRAGMA journal_mode=WAL;");
            SqliteMigrations.Apply(connection);
        }

        return new SqliteMetadataStore(connectionString);
    }

    /// <inheritdoc/>
    public async ValueTask<Principal?> FindUserAsync(string name, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {UserColumns} FROM users WHERE name = $name", ReadUser, cancellationToken, ("$name", name))).SingleOrDefault();

    /// <inheritdoc/>
    public async ValueTask<bool> CreateUserAsync(Principal principal, CancellationToken cancellationToken) =>
        await ExecuteAsync(
            "INSERT OR IGNORE INTO users (name, is_admin, is_active, created_at, user_id, path) VALUES ($name, $admin, $active, $created, $id, $path)",
            cancellationToken,
            ("$name", principal.Name),
            ("$admin", principal.IsAdmin),
            ("$active", principal.IsActive),
            ("$created", principal.CreatedAt.ToUnixTimeMilliseconds()),
            ("$id", principal.UserId.Length > 0 ? principal.UserId : NewUserId()),
            ("$path", principal.Path)) == 1;

    /// <inheritdoc/>
    public async ValueTask<StoredAccessKey?> FindAccessKeyAsync(string accessKeyId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {AccessKeyColumns} FROM access_keys WHERE id = $id";
        command.Parameters.AddWithValue("$id", accessKeyId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadAccessKey(reader) : null;
    }

    /// <inheritdoc/>
    public async ValueTask CreateAccessKeyAsync(StoredAccessKey key, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO access_keys (id, user_name, sealed_secret, is_active, created_at) VALUES ($id, $user, $secret, $active, $created)";
        command.Parameters.AddWithValue("$id", key.AccessKeyId);
        command.Parameters.AddWithValue("$user", key.UserName);
        command.Parameters.AddWithValue("$secret", key.SealedSecret);
        command.Parameters.AddWithValue("$active", key.IsActive);
        command.Parameters.AddWithValue("$created", key.CreatedAt.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);

        // Microsoft.Data.Sqlite meets a busy writer lock by sleeping 150 ms between retries, which put whole
        // multiples of 150 ms on concurrent writes (bench: p99 of manifest PUT and upload POST). SQLite's own busy
        // handler retries within a millisecond or two of the lock being released.
        await using (var busy = connection.CreateCommand())
        {
            busy.CommandText = "PRAGMA busy_timeout = 5000;";
            await busy.ExecuteNonQueryAsync(cancellationToken);
        }

        return connection;
    }

    private static DateTimeOffset ReadTime(SqliteDataReader reader, int ordinal) =>
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));

    internal static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    internal static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = new SqliteCommand(sql, connection);
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
