using Berth.Protocol;
using Berth.Registry.Metadata;
using Microsoft.Data.Sqlite;

namespace Berth.Metadata.Sqlite;

public sealed partial class SqliteMetadataStore : IRepositoryStore, IBlobLinkStore, IManifestStore, IUploadSessionStore
{
    private const string ManifestColumns = "digest, media_type, content, artifact_type, subject, annotations, pushed_at";
    private const string RepositoryColumns = "name, created_at, tag_mutability, tag_mutability_exclusions, scan_on_push";

    /// <inheritdoc/>
    public async ValueTask<bool> CreateRepositoryAsync(RepositoryRecord repository, CancellationToken cancellationToken) =>
        await ExecuteAsync(
            "INSERT OR IGNORE INTO repositories (name, created_at, tag_mutability, tag_mutability_exclusions, scan_on_push) VALUES ($name, $created, $mutability, $exclusions, $scan)",
            cancellationToken,
            ("$name", repository.Name), ("$created", repository.CreatedAt.ToUnixTimeMilliseconds()), ("$mutability", repository.ImageTagMutability),
            ("$exclusions", JoinExclusions(repository.TagMutabilityExclusions)), ("$scan", repository.ScanOnPush)) == 1;

    /// <inheritdoc/>
    public async ValueTask<RepositoryRecord?> FindRepositoryAsync(string name, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {RepositoryColumns} FROM repositories WHERE name = $name", ReadRepository, cancellationToken, ("$name", name)))
        .SingleOrDefault();

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<RepositoryRecord>> ListRepositoriesAsync(string? after, int limit, CancellationToken cancellationToken) =>
        await QueryAsync(
            $"SELECT {RepositoryColumns} FROM repositories WHERE name > $after ORDER BY name LIMIT $limit",
            ReadRepository, cancellationToken, ("$after", after ?? ""), ("$limit", limit));

    /// <inheritdoc/>
    public async ValueTask<bool> DeleteRepositoryAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        foreach (var table in new[] { "tags", "manifests", "blob_links", "uploads", "repository_tags", "lifecycle_policies" })
        {
            await ExecuteAsync(connection, transaction, $"DELETE FROM {table} WHERE repository = $name", cancellationToken, ("$name", name));
        }

        var deleted = await ExecuteAsync(connection, transaction, "DELETE FROM repositories WHERE name = $name", cancellationToken, ("$name", name));
        await transaction.CommitAsync(cancellationToken);
        return deleted == 1;
    }

    /// <inheritdoc/>
    public async ValueTask<long> CountManifestsAsync(string repository, CancellationToken cancellationToken) =>
        (await QueryAsync("SELECT COUNT(*) FROM manifests WHERE repository = $repo", r => r.GetInt64(0), cancellationToken, ("$repo", repository))).Single();

    /// <inheritdoc/>
    public async ValueTask LinkBlobAsync(string repository, Digest digest, long size, CancellationToken cancellationToken) =>
        await ExecuteAsync(
            "INSERT OR IGNORE INTO blob_links (repository, digest, size) VALUES ($repo, $digest, $size)",
            cancellationToken, ("$repo", repository), ("$digest", digest.ToString()), ("$size", size));

    /// <inheritdoc/>
    public async ValueTask<long?> FindBlobLinkAsync(string repository, Digest digest, CancellationToken cancellationToken) =>
        (await QueryAsync(
            "SELECT size FROM blob_links WHERE repository = $repo AND digest = $digest",
            r => (long?)r.GetInt64(0), cancellationToken, ("$repo", repository), ("$digest", digest.ToString())))
        .SingleOrDefault();

    /// <inheritdoc/>
    public async ValueTask<bool> UnlinkBlobAsync(string repository, Digest digest, CancellationToken cancellationToken) =>
        await ExecuteAsync(
            "DELETE FROM blob_links WHERE repository = $repo AND digest = $digest",
            cancellationToken, ("$repo", repository), ("$digest", digest.ToString())) == 1;

    /// <inheritdoc/>
    public async ValueTask PutManifestAsync(string repository, ManifestRecord manifest, string? tag, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(
            connection, transaction,
            $"INSERT OR IGNORE INTO manifests (repository, {ManifestColumns}) VALUES ($repo, $digest, $type, $content, $artifact, $subject, $annotations, $pushed)",
            cancellationToken,
            ("$repo", repository), ("$digest", manifest.Digest.ToString()), ("$type", manifest.MediaType), ("$content", manifest.Content),
            ("$artifact", manifest.ArtifactType), ("$subject", manifest.Subject?.ToString()), ("$annotations", manifest.Annotations),
            ("$pushed", manifest.PushedAt.ToUnixTimeMilliseconds()));
        if (tag is not null)
        {
            await ExecuteAsync(
                connection, transaction,
                "INSERT INTO tags (repository, tag, digest) VALUES ($repo, $tag, $digest) ON CONFLICT (repository, tag) DO UPDATE SET digest = excluded.digest",
                cancellationToken, ("$repo", repository), ("$tag", tag), ("$digest", manifest.Digest.ToString()));
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public async ValueTask<ManifestRecord?> FindManifestAsync(string repository, Digest digest, CancellationToken cancellationToken) =>
        (await QueryAsync(
            $"SELECT {ManifestColumns} FROM manifests WHERE repository = $repo AND digest = $digest",
            ReadManifest, cancellationToken, ("$repo", repository), ("$digest", digest.ToString())))
        .SingleOrDefault();

    /// <inheritdoc/>
    public async ValueTask<Digest?> FindTagAsync(string repository, string tag, CancellationToken cancellationToken) =>
        (await QueryAsync(
            "SELECT digest FROM tags WHERE repository = $repo AND tag = $tag",
            r => (Digest?)Digest.Parse(r.GetString(0)), cancellationToken, ("$repo", repository), ("$tag", tag)))
        .SingleOrDefault();

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<string>> ListTagsAsync(string repository, string? after, int limit, CancellationToken cancellationToken) =>
        await QueryAsync(
            "SELECT tag FROM tags WHERE repository = $repo AND tag > $after ORDER BY tag LIMIT $limit",
            r => r.GetString(0), cancellationToken, ("$repo", repository), ("$after", after ?? ""), ("$limit", limit));

    /// <inheritdoc/>
    public async ValueTask<bool> DeleteTagAsync(string repository, string tag, CancellationToken cancellationToken) =>
        await ExecuteAsync("DELETE FROM tags WHERE repository = $repo AND tag = $tag", cancellationToken, ("$repo", repository), ("$tag", tag)) == 1;

    /// <inheritdoc/>
    public async ValueTask<bool> DeleteManifestAsync(string repository, Digest digest, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, "DELETE FROM tags WHERE repository = $repo AND digest = $digest", cancellationToken, ("$repo", repository), ("$digest", digest.ToString()));
        var deleted = await ExecuteAsync(connection, transaction, "DELETE FROM manifests WHERE repository = $repo AND digest = $digest", cancellationToken, ("$repo", repository), ("$digest", digest.ToString()));
        await transaction.CommitAsync(cancellationToken);
        return deleted == 1;
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<ManifestRecord>> ListReferrersAsync(string repository, Digest subject, CancellationToken cancellationToken) =>
        await QueryAsync(
            $"SELECT {ManifestColumns} FROM manifests WHERE repository = $repo AND subject = $subject ORDER BY pushed_at, digest",
            ReadManifest, cancellationToken, ("$repo", repository), ("$subject", subject.ToString()));

    /// <inheritdoc/>
    public async ValueTask CreateUploadAsync(string uploadId, string repository, DateTimeOffset startedAt, CancellationToken cancellationToken) =>
        await ExecuteAsync(
            "INSERT INTO uploads (id, repository, started_at) VALUES ($id, $repo, $started)",
            cancellationToken, ("$id", uploadId), ("$repo", repository), ("$started", startedAt.ToUnixTimeMilliseconds()));

    /// <inheritdoc/>
    public async ValueTask<string?> FindUploadAsync(string uploadId, CancellationToken cancellationToken) =>
        (await QueryAsync("SELECT repository FROM uploads WHERE id = $id", r => r.GetString(0), cancellationToken, ("$id", uploadId))).SingleOrDefault();

    /// <inheritdoc/>
    public async ValueTask DeleteUploadAsync(string uploadId, CancellationToken cancellationToken) =>
        await ExecuteAsync("DELETE FROM uploads WHERE id = $id", cancellationToken, ("$id", uploadId));

    private static RepositoryRecord ReadRepository(SqliteDataReader r) =>
        new(r.GetString(0), ReadTime(r, 1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3).Split('\n'), r.GetBoolean(4));

    // Exclusion filters match ^[0-9a-zA-Z._*-]{1,128}$, so a newline never occurs inside one.
    private static string? JoinExclusions(IReadOnlyList<string>? exclusions) =>
        exclusions is { Count: > 0 } ? string.Join('\n', exclusions) : null;

    private static ManifestRecord ReadManifest(SqliteDataReader r) => new(
        Digest.Parse(r.GetString(0)),
        r.GetString(1),
        (byte[])r.GetValue(2),
        r.IsDBNull(3) ? null : r.GetString(3),
        r.IsDBNull(4) ? null : Digest.Parse(r.GetString(4)),
        r.IsDBNull(5) ? null : r.GetString(5),
        ReadTime(r, 6));

    private async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null, sql, cancellationToken, parameters);
    }

    private static async Task<int> ExecuteAsync(
        SqliteConnection connection, SqliteTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<List<T>> QueryAsync<T>(string sql, Func<SqliteDataReader, T> read, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }
}
