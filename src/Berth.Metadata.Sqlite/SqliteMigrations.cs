using Microsoft.Data.Sqlite;

namespace Berth.Metadata.Sqlite;

/// <summary>The schema's versioned migrations; each runs once, in order, in its own transaction.</summary>
/// <remarks>Never edit a shipped migration: append a new one. <c>PRAGMA user_version</c> records the last applied.</remarks>
internal static class SqliteMigrations
{
    private static readonly string[] Steps =
    [
        // 1: principals and their access keys (secrets sealed under the key ring).
        """
        CREATE TABLE users (
            name TEXT PRIMARY KEY NOT NULL,
            is_admin INTEGER NOT NULL,
            is_active INTEGER NOT NULL,
            created_at INTEGER NOT NULL);
        CREATE TABLE access_keys (
            id TEXT PRIMARY KEY NOT NULL,
            user_name TEXT NOT NULL REFERENCES users(name),
            sealed_secret BLOB NOT NULL,
            is_active INTEGER NOT NULL,
            created_at INTEGER NOT NULL);
        CREATE INDEX access_keys_user ON access_keys(user_name);
        """,

        // 2: the data plane: repositories, blob links, manifests (bytes kept here: at most 4 MiB each), tags, uploads.
        """
        CREATE TABLE repositories (
            name TEXT PRIMARY KEY NOT NULL,
            created_at INTEGER NOT NULL,
            tag_mutability TEXT NOT NULL);
        CREATE TABLE blob_links (
            repository TEXT NOT NULL REFERENCES repositories(name),
            digest TEXT NOT NULL,
            size INTEGER NOT NULL,
            PRIMARY KEY (repository, digest));
        CREATE TABLE manifests (
            repository TEXT NOT NULL REFERENCES repositories(name),
            digest TEXT NOT NULL,
            media_type TEXT NOT NULL,
            content BLOB NOT NULL,
            artifact_type TEXT,
            subject TEXT,
            annotations TEXT,
            pushed_at INTEGER NOT NULL,
            PRIMARY KEY (repository, digest));
        CREATE INDEX manifests_subject ON manifests(repository, subject) WHERE subject IS NOT NULL;
        CREATE TABLE tags (
            repository TEXT NOT NULL REFERENCES repositories(name),
            tag TEXT NOT NULL,
            digest TEXT NOT NULL,
            PRIMARY KEY (repository, tag));
        CREATE INDEX tags_digest ON tags(repository, digest);
        CREATE TABLE uploads (
            id TEXT PRIMARY KEY NOT NULL,
            repository TEXT NOT NULL,
            started_at INTEGER NOT NULL);
        """,

        // 3: the ECR image API: when an image was last pulled, and tag-mutability exclusion filters (newline-separated).
        """
        ALTER TABLE manifests ADD COLUMN last_pulled_at INTEGER;
        ALTER TABLE repositories ADD COLUMN tag_mutability_exclusions TEXT;
        """,

        // 4: resource tags on repositories (TagResource).
        """
        CREATE TABLE repository_tags (
            repository TEXT NOT NULL REFERENCES repositories(name),
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (repository, key));
        """,

        // 5: lifecycle policies, one per repository.
        """
        CREATE TABLE lifecycle_policies (
            repository TEXT PRIMARY KEY NOT NULL REFERENCES repositories(name),
            policy_text TEXT NOT NULL,
            last_evaluated_at INTEGER);
        """,

        // 6: access control: IAM user ids and paths, token revocation, inline user policies, repository policies.
        // IAM user names are unique regardless of case. A repository's policy goes with the repository.
        """
        ALTER TABLE users ADD COLUMN user_id TEXT;
        ALTER TABLE users ADD COLUMN path TEXT NOT NULL DEFAULT '/';
        ALTER TABLE users ADD COLUMN tokens_not_before INTEGER;
        CREATE UNIQUE INDEX users_name_nocase ON users(name COLLATE NOCASE);
        CREATE TABLE user_policies (
            user_name TEXT NOT NULL REFERENCES users(name),
            policy_name TEXT NOT NULL,
            document TEXT NOT NULL,
            PRIMARY KEY (user_name, policy_name));
        CREATE TABLE repository_policies (
            repository TEXT PRIMARY KEY NOT NULL REFERENCES repositories(name),
            document TEXT NOT NULL);
        CREATE TRIGGER repository_policies_follow_repository AFTER DELETE ON repositories
        BEGIN
            DELETE FROM repository_policies WHERE repository = old.name;
        END;
        """,

        // 7: scan-on-push, stored and reported (Berth has no scanner).
        """
        ALTER TABLE repositories ADD COLUMN scan_on_push INTEGER NOT NULL DEFAULT 0;
        """,
    ];

    /// <summary>The schema version this build writes.</summary>
    public static int CurrentVersion => Steps.Length;

    public static void Apply(SqliteConnection connection)
    {
        var applied = SqliteMetadataStore.Scalar(connection, "PRAGMA user_version;");
        if (applied > Steps.Length)
        {
            throw new InvalidOperationException(
                $"The metadata database has schema version {applied}, newer than this Berth ({Steps.Length}). Upgrade Berth.");
        }

        for (var version = (int)applied; version < Steps.Length; version++)
        {
            using var transaction = connection.BeginTransaction();
            SqliteMetadataStore.Execute(connection, Steps[version], transaction);
            SqliteMetadataStore.Execute(connection, $"PRAGMA user_version = {version + 1};", transaction);
            transaction.Commit();
        }
    }
}
