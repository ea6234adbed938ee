using Berth.Registry.Metadata;
using Microsoft.Data.Sqlite;

namespace Berth.Metadata.Sqlite;

public sealed partial class SqliteMetadataStore : IResourceTagStore
{
    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<KeyValuePair<string, string>>> ListResourceTagsAsync(string repository, CancellationToken cancellationToken) =>
        await QueryAsync(
            "SELECT key, value FROM repository_tags WHERE repository = $repo ORDER BY key",
            r => KeyValuePair.Create(r.GetString(0), r.GetString(1)), cancellationToken, ("$repo", repository));

    /// <inheritdoc/>
    public async ValueTask SetResourceTagsAsync(string repository, IReadOnlyList<KeyValuePair<string, string>> tags, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        foreach (var (key, value) in tags)
        {
            await ExecuteAsync(
                connection, transaction,
                "INSERT INTO repository_tags (repository, key, value) VALUES ($repo, $key, $value) ON CONFLICT (repository, key) DO UPDATE SET value = excluded.value",
                cancellationToken, ("$repo", repository), ("$key", key), ("$value", value));
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public async ValueTask RemoveResourceTagsAsync(string repository, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        foreach (var key in keys)
        {
            await ExecuteAsync(connection, transaction, "DELETE FROM repository_tags WHERE repository = $repo AND key = $key", cancellationToken, ("$repo", repository), ("$key", key));
        }

        await transaction.CommitAsync(cancellationToken);
    }
}
