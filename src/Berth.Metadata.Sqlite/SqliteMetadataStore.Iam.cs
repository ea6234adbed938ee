using System.Security.Cryptography;
using Berth.Registry.Policies;
using Berth.Registry.Security;
using Microsoft.Data.Sqlite;

namespace Berth.Metadata.Sqlite;

public sealed partial class SqliteMetadataStore : IPolicyStore
{
    private const string UserColumns = "name, is_admin, is_active, created_at, user_id, path, tokens_not_before";
    private const string AccessKeyColumns = "id, user_name, sealed_secret, is_active, created_at";

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<Principal>> ListUsersAsync(string? after, int limit, CancellationToken cancellationToken) =>
        await QueryAsync(
            $"SELECT {UserColumns} FROM users WHERE name > $after ORDER BY name LIMIT $limit",
            ReadUser, cancellationToken, ("$after", after ?? ""), ("$limit", limit));

    /// <inheritdoc/>
    public async ValueTask<DeleteUserResult> DeleteUserAsync(string name, CancellationToken cancellationToken)
    {
        // One write transaction: a key or policy added concurrently cannot slip in between the check and the delete.
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        var result = await CountAsync(connection, transaction, "SELECT COUNT(*) FROM users WHERE name = $name", name, cancellationToken) == 0
            ? DeleteUserResult.NotFound
            : await CountAsync(connection, transaction, "SELECT COUNT(*) FROM access_keys WHERE user_name = $name", name, cancellationToken) > 0
                ? DeleteUserResult.HasAccessKeys
                : await CountAsync(connection, transaction, "SELECT COUNT(*) FROM user_policies WHERE user_name = $name", name, cancellationToken) > 0
                    ? DeleteUserResult.HasPolicies
                    : DeleteUserResult.Deleted;
        if (result == DeleteUserResult.Deleted)
        {
            await ExecuteAsync(connection, transaction, "DELETE FROM users WHERE name = $name", cancellationToken, ("$name", name));
        }

        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<StoredAccessKey>> ListAccessKeysAsync(string userName, CancellationToken cancellationToken) =>
        await QueryAsync(
            $"SELECT {AccessKeyColumns} FROM access_keys WHERE user_name = $user ORDER BY created_at, id",
            ReadAccessKey, cancellationToken, ("$user", userName));

    /// <inheritdoc/>
    public async ValueTask<bool> SetAccessKeyActiveAsync(string accessKeyId, bool isActive, CancellationToken cancellationToken) =>
        await ExecuteAsync("UPDATE access_keys SET is_active = $active WHERE id = $id", cancellationToken, ("$active", isActive), ("$id", accessKeyId)) == 1;

    /// <inheritdoc/>
    public async ValueTask<bool> DeleteAccessKeyAsync(string accessKeyId, CancellationToken cancellationToken) =>
        await ExecuteAsync("DELETE FROM access_keys WHERE id = $id", cancellationToken, ("$id", accessKeyId)) == 1;

    /// <inheritdoc/>
    public async ValueTask<bool> SetTokensNotBeforeAsync(string userName, DateTimeOffset notBefore, CancellationToken cancellationToken) =>
        await ExecuteAsync(
            "UPDATE users SET tokens_not_before = $at WHERE name = $name",
            cancellationToken, ("$at", notBefore.ToUnixTimeMilliseconds()), ("$name", userName)) == 1;

    /// <inheritdoc/>
    public async ValueTask PutUserPolicyAsync(string userName, string policyName, string document, CancellationToken cancellationToken) =>
        await ExecuteAsync(
            """
            INSERT INTO user_policies (user_name, policy_name, document) VALUES ($user, $policy, $document)
            ON CONFLICT (user_name, policy_name) DO UPDATE SET document = excluded.document
            """,
            cancellationToken, ("$user", userName), ("$policy", policyName), ("$document", document));

    /// <inheritdoc/>
    public async ValueTask<string?> FindUserPolicyAsync(string userName, string policyName, CancellationToken cancellationToken) =>
        (await QueryAsync(
            "SELECT document FROM user_policies WHERE user_name = $user AND policy_name = $policy",
            r => r.GetString(0), cancellationToken, ("$user", userName), ("$policy", policyName)))
        .SingleOrDefault();

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<KeyValuePair<string, string>>> ListUserPoliciesAsync(string userName, CancellationToken cancellationToken) =>
        await QueryAsync(
            "SELECT policy_name, document FROM user_policies WHERE user_name = $user ORDER BY policy_name",
            r => KeyValuePair.Create(r.GetString(0), r.GetString(1)), cancellationToken, ("$user", userName));

    /// <inheritdoc/>
    public async ValueTask<bool> DeleteUserPolicyAsync(string userName, string policyName, CancellationToken cancellationToken) =>
        await ExecuteAsync(
            "DELETE FROM user_policies WHERE user_name = $user AND policy_name = $policy",
            cancellationToken, ("$user", userName), ("$policy", policyName)) == 1;

    /// <inheritdoc/>
    public async ValueTask<bool> SetRepositoryPolicyAsync(string repository, string document, CancellationToken cancellationToken) =>
        await ExecuteAsync(
            """
            INSERT INTO repository_policies (repository, document)
            SELECT $repo, $document WHERE EXISTS (SELECT 1 FROM repositories WHERE name = $repo)
            ON CONFLICT (repository) DO UPDATE SET document = excluded.document
            """,
            cancellationToken, ("$repo", repository), ("$document", document)) == 1;

    /// <inheritdoc/>
    public async ValueTask<string?> FindRepositoryPolicyAsync(string repository, CancellationToken cancellationToken) =>
        (await QueryAsync("SELECT document FROM repository_policies WHERE repository = $repo", r => r.GetString(0), cancellationToken, ("$repo", repository)))
        .SingleOrDefault();

    /// <inheritdoc/>
    public async ValueTask<bool> DeleteRepositoryPolicyAsync(string repository, CancellationToken cancellationToken) =>
        await ExecuteAsync("DELETE FROM repository_policies WHERE repository = $repo", cancellationToken, ("$repo", repository)) == 1;

    private static Principal ReadUser(SqliteDataReader reader) =>
        new(reader.GetString(0), reader.GetBoolean(1), reader.GetBoolean(2), ReadTime(reader, 3))
        {
            // Users created before migration 3 have no stored id; derive a stable one from the name.
            UserId = reader.IsDBNull(4) ? DerivedUserId(reader.GetString(0)) : reader.GetString(4),
            Path = reader.GetString(5),
            TokensNotBefore = reader.IsDBNull(6) ? null : ReadTime(reader, 6),
        };

    private static StoredAccessKey ReadAccessKey(SqliteDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), (byte[])reader.GetValue(2), reader.GetBoolean(3), ReadTime(reader, 4));

    private static async Task<long> CountAsync(SqliteConnection connection, SqliteTransaction transaction, string sql, string name, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, sql, [("$name", name)]);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    // IAM's shape: AIDA and 17 more upper-case base32 characters.
    private const string Base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    private static string NewUserId() => "AIDA" + RandomNumberGenerator.GetString(Base32, 17);

    private static string DerivedUserId(string name)
    {
        var hash = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("user-id:" + name));
        return "AIDA" + new string([.. hash.Take(17).Select(b => Base32[b % 32])]);
    }
}
