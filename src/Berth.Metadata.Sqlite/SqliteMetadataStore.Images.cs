using Berth.Protocol;
using Berth.Registry.Metadata;
using Microsoft.Data.Sqlite;

namespace Berth.Metadata.Sqlite;

public sealed partial class SqliteMetadataStore : IImageStore
{
    // $status: 0 any, 1 tagged, 2 untagged (the TagStatus values).
    private const string TagStatusCondition =
        "($status = 0 OR ($status = 1) = EXISTS (SELECT 1 FROM tags t2 WHERE t2.repository = m.repository AND t2.digest = m.digest))";

    // Tags match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}, so a newline separates them safely.
    private const string ImageColumns =
        "m.digest, m.media_type, m.content, m.artifact_type, m.subject, m.annotations, m.pushed_at, m.last_pulled_at, " +
        "(SELECT group_concat(tag, char(10)) FROM (SELECT tag FROM tags t WHERE t.repository = m.repository AND t.digest = m.digest ORDER BY tag))";

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<ImageTagPair>> ListImageIdsAsync(
        string repository, TagStatus status, ImageTagPair? after, int limit, CancellationToken cancellationToken) =>
        await QueryAsync(
            "SELECT m.digest, t.tag FROM manifests m LEFT JOIN tags t ON t.repository = m.repository AND t.digest = m.digest " +
            "WHERE m.repository = $repo AND (m.digest, coalesce(t.tag, '')) > ($digest, $tag) " +
            "AND ($status = 0 OR ($status = 1 AND t.tag IS NOT NULL) OR ($status = 2 AND t.tag IS NULL)) " +
            "ORDER BY m.digest, coalesce(t.tag, '') LIMIT $limit",
            r => new ImageTagPair(Digest.Parse(r.GetString(0)), r.IsDBNull(1) ? null : r.GetString(1)),
            cancellationToken,
            ("$repo", repository), ("$digest", after?.Digest.ToString() ?? ""), ("$tag", after?.Tag ?? ""), ("$status", (int)status), ("$limit", limit));

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<ImageRecord>> ListImagesAsync(
        string repository, TagStatus status, Digest? after, int limit, CancellationToken cancellationToken) =>
        await QueryAsync(
            $"SELECT {ImageColumns} FROM manifests m WHERE m.repository = $repo AND m.digest > $after AND {TagStatusCondition} ORDER BY m.digest LIMIT $limit",
            ReadImage, cancellationToken, ("$repo", repository), ("$after", after?.ToString() ?? ""), ("$status", (int)status), ("$limit", limit));

    /// <inheritdoc/>
    public async ValueTask<ImageRecord?> FindImageAsync(string repository, Digest digest, CancellationToken cancellationToken) =>
        (await QueryAsync(
            $"SELECT {ImageColumns} FROM manifests m WHERE m.repository = $repo AND m.digest = $digest",
            ReadImage, cancellationToken, ("$repo", repository), ("$digest", digest.ToString())))
        .SingleOrDefault();

    /// <inheritdoc/>
    /// <remarks>At most one write a minute per image: a busy image's pulls do not each take the write lock, and ECR too
    /// only promises to refresh the time "at least once every 24 hours". SQLite takes the write lock when an UPDATE
    /// starts, matching rows or not, so a read (which WAL never blocks) decides first; the UPDATE keeps the condition
    /// for pulls that race past the read.</remarks>
    public async ValueTask RecordPullAsync(string repository, Digest digest, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var milliseconds = at.ToUnixTimeMilliseconds();
        var due = await QueryAsync(
            "SELECT 1 FROM manifests WHERE repository = $repo AND digest = $digest AND (last_pulled_at IS NULL OR last_pulled_at <= $at - 60000)",
            _ => true, cancellationToken, ("$repo", repository), ("$digest", digest.ToString()), ("$at", milliseconds));
        if (due.Count > 0)
        {
            await ExecuteAsync(
                "UPDATE manifests SET last_pulled_at = $at WHERE repository = $repo AND digest = $digest AND (last_pulled_at IS NULL OR last_pulled_at <= $at - 60000)",
                cancellationToken, ("$repo", repository), ("$digest", digest.ToString()), ("$at", milliseconds));
        }
    }

    /// <inheritdoc/>
    public async ValueTask<Digest?> FindParentIndexAsync(string repository, Digest child, CancellationToken cancellationToken) =>
        (await QueryAsync(
            "SELECT m.digest FROM manifests m, json_each(CAST(m.content AS TEXT), '$.manifests') j " +
            "WHERE m.repository = $repo AND m.media_type IN ($oci, $docker) AND json_extract(j.value, '$.digest') = $child LIMIT 1",
            r => (Digest?)Digest.Parse(r.GetString(0)),
            cancellationToken,
            ("$repo", repository), ("$oci", MediaTypes.OciIndex), ("$docker", MediaTypes.DockerManifestList), ("$child", child.ToString())))
        .SingleOrDefault();

    /// <inheritdoc/>
    public async ValueTask<bool> SetScanOnPushAsync(string repository, bool scanOnPush, CancellationToken cancellationToken) =>
        await ExecuteAsync(
            "UPDATE repositories SET scan_on_push = $scan WHERE name = $name", cancellationToken, ("$name", repository), ("$scan", scanOnPush)) == 1;

    /// <inheritdoc/>
    public async ValueTask<bool> SetTagMutabilityAsync(
        string repository, string mutability, IReadOnlyList<string>? exclusions, CancellationToken cancellationToken) =>
        await ExecuteAsync(
            "UPDATE repositories SET tag_mutability = $mutability, tag_mutability_exclusions = $exclusions WHERE name = $name",
            cancellationToken, ("$name", repository), ("$mutability", mutability), ("$exclusions", JoinExclusions(exclusions))) == 1;

    private static ImageRecord ReadImage(SqliteDataReader r) => new(
        ReadManifest(r),
        r.IsDBNull(8) ? [] : r.GetString(8).Split('\n'),
        r.IsDBNull(7) ? null : ReadTime(r, 7));
}
