using Berth.Registry.Lifecycle;

namespace Berth.Metadata.Sqlite;

public sealed partial class SqliteMetadataStore : ILifecycleStore
{
    /// <inheritdoc/>
    public async ValueTask PutLifecyclePolicyAsync(string repository, string text, CancellationToken cancellationToken) =>
        await ExecuteAsync(
            """
            INSERT INTO lifecycle_policies (repository, policy_text) VALUES ($repo, $text)
            ON CONFLICT (repository) DO UPDATE SET policy_text = excluded.policy_text
            """,
            cancellationToken, ("$repo", repository), ("$text", text));

    /// <inheritdoc/>
    public async ValueTask<StoredLifecyclePolicy?> FindLifecyclePolicyAsync(string repository, CancellationToken cancellationToken) =>
        (await QueryAsync(
            "SELECT policy_text, last_evaluated_at FROM lifecycle_policies WHERE repository = $repo",
            r => new StoredLifecyclePolicy(r.GetString(0), r.IsDBNull(1) ? null : ReadTime(r, 1)),
            cancellationToken, ("$repo", repository))).SingleOrDefault();

    /// <inheritdoc/>
    public async ValueTask<bool> DeleteLifecyclePolicyAsync(string repository, CancellationToken cancellationToken) =>
        await ExecuteAsync("DELETE FROM lifecycle_policies WHERE repository = $repo", cancellationToken, ("$repo", repository)) == 1;

    /// <inheritdoc/>
    public async ValueTask MarkLifecycleEvaluatedAsync(string repository, DateTimeOffset at, CancellationToken cancellationToken) =>
        await ExecuteAsync(
            "UPDATE lifecycle_policies SET last_evaluated_at = $at WHERE repository = $repo",
            cancellationToken, ("$repo", repository), ("$at", at.ToUnixTimeMilliseconds()));

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<string>> ListRepositoriesWithLifecyclePolicyAsync(CancellationToken cancellationToken) =>
        await QueryAsync("SELECT repository FROM lifecycle_policies ORDER BY repository", r => r.GetString(0), cancellationToken);
}
