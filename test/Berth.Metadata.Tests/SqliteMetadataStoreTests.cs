using Berth.Metadata.Sqlite;
using Berth.Registry.Security;
using Berth.Testing;
using Microsoft.Data.Sqlite;

namespace Berth.Metadata.Tests;

public sealed class SqliteMetadataStoreTests : IDisposable
{
    private static readonly DateTimeOffset Created = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _data = TempDirectory.Create();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string DatabasePath => _data.Combine("metadata.db");

    [Fact]
    public void Open_NewDatabase_IsOwnerOnlyAndAtCurrentSchemaVersion()
    {
        SqliteMetadataStore.Open(DatabasePath);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(DatabasePath));
        Assert.Equal(SqliteMigrations.CurrentVersion, UserVersion());
    }

    [Fact]
    public async Task Open_Twice_KeepsData()
    {
        var store = SqliteMetadataStore.Open(DatabasePath);
        await store.CreateUserAsync(new Principal("alice", false, true, Created), Ct);

        var reopened = SqliteMetadataStore.Open(DatabasePath);

        var found = await reopened.FindUserAsync("alice", Ct);
        Assert.Equal(new Principal("alice", false, true, Created) { UserId = found!.UserId }, found);
        Assert.Matches("^AIDA[A-Z2-7]{17}$", found.UserId);
        Assert.Equal(SqliteMigrations.CurrentVersion, UserVersion());
    }

    [Fact]
    public void Open_DatabaseFromNewerBerth_FailsClearly()
    {
        SqliteMetadataStore.Open(DatabasePath);
        using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            connection.Open();
            using var command = new SqliteCommand("PRAGMA user_version = 99;", connection);
            command.ExecuteNonQuery();
        }

        var failure = Assert.Throws<InvalidOperationException>(() => SqliteMetadataStore.Open(DatabasePath));

        Assert.Contains("newer than this Berth", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateUser_DuplicateName_ReturnsFalseAndKeepsTheFirst()
    {
        var store = SqliteMetadataStore.Open(DatabasePath);

        Assert.True(await store.CreateUserAsync(new Principal("bob", false, true, Created), Ct));
        Assert.False(await store.CreateUserAsync(new Principal("bob", true, false, Created), Ct));
        Assert.False(await store.CreateUserAsync(new Principal("BOB", true, false, Created), Ct));
        var found = await store.FindUserAsync("bob", Ct);
        Assert.Equal(new Principal("bob", false, true, Created) { UserId = found!.UserId }, found);
        Assert.Null(await store.FindUserAsync("nobody", Ct));
    }

    [Fact]
    public async Task AccessKey_RoundTrips()
    {
        var store = SqliteMetadataStore.Open(DatabasePath);
        await store.CreateUserAsync(new Principal("carol", false, true, Created), Ct);
        var key = new StoredAccessKey("AKIAAAAAAAAAAAAAAAAA", "carol", [1, 2, 3], true, Created);

        await store.CreateAccessKeyAsync(key, Ct);
        var found = await store.FindAccessKeyAsync(key.AccessKeyId, Ct);

        Assert.NotNull(found);
        Assert.Equal((key.AccessKeyId, key.UserName, key.IsActive, key.CreatedAt), (found.AccessKeyId, found.UserName, found.IsActive, found.CreatedAt));
        Assert.Equal(key.SealedSecret, found.SealedSecret);
        Assert.Null(await store.FindAccessKeyAsync("AKIANOPE", Ct));
    }

    private long UserVersion()
    {
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        connection.Open();
        using var command = new SqliteCommand("PRAGMA user_version;", connection);
        return (long)command.ExecuteScalar()!;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _data.Dispose();
    }
}
