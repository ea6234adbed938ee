using System.Text;
using Berth.Metadata.Sqlite;
using Berth.Protocol.Tokens;
using Berth.Registry.Security;
using Berth.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Berth.Registry.Tests;

public sealed class TokenServiceTests : IDisposable
{
    private readonly TempDirectory _data = TempDirectory.Create();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
    private readonly SqliteMetadataStore _store;
    private readonly KeyRing _ring;
    private readonly TokenService _tokens;
    private readonly ResolvedAccessKey _key;

    public TokenServiceTests()
    {
        _store = SqliteMetadataStore.Open(_data.Combine("metadata.db"));
        _ring = new KeyRing(new FileKeyRingStore(_data.Combine("keyring.json")), _time);
        _tokens = new TokenService(_ring, _store, new RegistryOptions(), _time);
        var admin = new Principal("admin", true, true, _time.GetUtcNow());
        _store.CreateUserAsync(admin, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        _key = new AccessKeys(_store, _ring, _time).CreateAsync(admin, CancellationToken.None).AsTask().GetAwaiter().GetResult();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Issue_ThenValidate_ReturnsThePrincipalAndExpiry()
    {
        var token = _tokens.Issue(_key);

        var identity = await _tokens.ValidateAsync(token.Password, Ct);

        Assert.Equal("admin", identity.Principal.Name);
        Assert.Equal(_time.GetUtcNow().AddHours(12), identity.ExpiresAt);
        Assert.Equal(token.ExpiresAt, identity.ExpiresAt);
    }

    [Fact]
    public void Issue_HasEcrShape_AndFreshDataKeyPerToken()
    {
        var first = TokenEnvelope.TryParse(_tokens.Issue(_key).Password)!;
        var second = TokenEnvelope.TryParse(_tokens.Issue(_key).Password)!;

        Assert.Equal(("2", "DATA_KEY"), (first.Version, first.Type));
        Assert.StartsWith("AQ", first.DataKey, StringComparison.Ordinal);
        Assert.NotEqual(first.DataKey, second.DataKey);
        Assert.NotEqual(first.Payload, second.Payload);
    }

    [Fact]
    public async Task Validate_AnySingleChangedCharacterOfThePassword_Fails()
    {
        var password = _tokens.Issue(_key).Password;
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

        for (var i = 0; i < password.Length; i++)
        {
            var replacement = password[i] == 'A' ? 'B' : password[i] == '=' ? 'A' : alphabet[(alphabet.IndexOf(password[i], StringComparison.Ordinal) + 1) % 64];
            var tampered = string.Concat(password.AsSpan(0, i), replacement.ToString(), password.AsSpan(i + 1));
            await Assert.ThrowsAsync<RegistryException>(() => _tokens.ValidateAsync(tampered, Ct).AsTask());
        }
    }

    [Fact]
    public async Task Validate_AnySingleChangedByteOfTheDecodedToken_Fails()
    {
        var json = Convert.FromBase64String(_tokens.Issue(_key).Password);

        for (var i = 0; i < json.Length; i++)
        {
            var tampered = (byte[])json.Clone();
            tampered[i] ^= 0x01;
            var failure = await Assert.ThrowsAsync<RegistryException>(() => _tokens.ValidateAsync(Convert.ToBase64String(tampered), Ct).AsTask());
            Assert.Contains(failure.Error, new[] { RegistryError.Unauthorized, RegistryError.TokenExpired });
        }
    }

    [Fact]
    public async Task Validate_AfterExpiry_FailsNamingTheExpiry()
    {
        var token = _tokens.Issue(_key);
        await _tokens.ValidateAsync(token.Password, Ct); // cached now: expiry must still win
        _time.Advance(TimeSpan.FromHours(12));

        var failure = await Assert.ThrowsAsync<RegistryException>(() => _tokens.ValidateAsync(token.Password, Ct).AsTask());

        Assert.Equal(RegistryError.TokenExpired, failure.Error);
        Assert.Equal("token expired at 2026-12-04T00:00:00Z", failure.Detail);
    }

    [Fact]
    public async Task Validate_OneSecondBeforeExpiry_Succeeds()
    {
        var token = _tokens.Issue(_key);
        _time.Advance(TimeSpan.FromHours(12) - TimeSpan.FromSeconds(1));

        Assert.Equal("admin", (await _tokens.ValidateAsync(token.Password, Ct)).Principal.Name);
    }

    [Fact]
    public async Task Validate_TokenFromAnotherKeyRing_Fails()
    {
        using var otherData = TempDirectory.Create();
        var otherRing = new KeyRing(new FileKeyRingStore(otherData.Combine("keyring.json")), _time);
        using var other = new TokenService(otherRing, _store, new RegistryOptions(), _time);

        var failure = await Assert.ThrowsAsync<RegistryException>(() => _tokens.ValidateAsync(other.Issue(_key).Password, Ct).AsTask());

        Assert.Equal(RegistryError.Unauthorized, failure.Error);
    }

    [Fact]
    public async Task Validate_TokenFromAnotherAccount_Fails()
    {
        using var otherAccount = new TokenService(_ring, _store, new RegistryOptions { AccountId = "123456789012" }, _time);

        await Assert.ThrowsAsync<RegistryException>(() => _tokens.ValidateAsync(otherAccount.Issue(_key).Password, Ct).AsTask());
    }

    [Fact]
    public async Task Validate_SealedBeforeRotation_StillValidates_AndNewTokensUseTheNewKey()
    {
        var before = _tokens.Issue(_key);
        var oldKey = _ring.Current.Id;

        var newKey = _ring.Rotate();
        var after = _tokens.Issue(_key);

        Assert.NotEqual(oldKey, newKey.Id);
        Assert.Equal(newKey.Id, KeyIdOf(after.Password));
        Assert.Equal(oldKey, KeyIdOf(before.Password));
        Assert.Equal("admin", (await _tokens.ValidateAsync(before.Password, Ct)).Principal.Name);
        Assert.Equal("admin", (await _tokens.ValidateAsync(after.Password, Ct)).Principal.Name);
    }

    [Fact]
    public async Task Validate_RotationByAnotherProcess_IsPickedUp()
    {
        // berth admin rotate-key works on the file while the server runs: a second ring over the same file.
        var otherProcess = new KeyRing(new FileKeyRingStore(_data.Combine("keyring.json")), _time);
        var rotated = otherProcess.Rotate();

        var token = _tokens.Issue(_key);

        Assert.Equal(rotated.Id, KeyIdOf(token.Password));
        Assert.Equal("admin", (await _tokens.ValidateAsync(token.Password, Ct)).Principal.Name);
    }

    [Fact]
    public async Task Validate_UserThatDoesNotExist_Fails()
    {
        var ghost = _key with { Principal = new Principal("ghost", false, true, _time.GetUtcNow()) };

        var failure = await Assert.ThrowsAsync<RegistryException>(() => _tokens.ValidateAsync(_tokens.Issue(ghost).Password, Ct).AsTask());

        Assert.Equal(RegistryError.TokenRevoked, failure.Error);
        Assert.Contains("its user was deleted or deactivated", failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_AfterItsAccessKeyIsDeactivatedOrDeleted_FailsOnceTheCacheLapses()
    {
        var user = new Principal("ci", false, true, _time.GetUtcNow());
        await _store.CreateUserAsync(user, Ct);
        var keys = new AccessKeys(_store, _ring, _time);
        var first = await keys.CreateAsync(user, Ct);
        var second = await keys.CreateAsync(user, Ct);
        var fromFirst = _tokens.Issue(first).Password;
        var fromSecond = _tokens.Issue(second).Password;
        await _tokens.ValidateAsync(fromFirst, Ct);

        await _store.SetAccessKeyActiveAsync(first.AccessKeyId, false, Ct);
        await _store.DeleteAccessKeyAsync(second.AccessKeyId, Ct);
        _time.Advance(TokenService.PrincipalCacheTtl);

        var inactive = await Assert.ThrowsAsync<RegistryException>(() => _tokens.ValidateAsync(fromFirst, Ct).AsTask());
        var deleted = await Assert.ThrowsAsync<RegistryException>(() => _tokens.ValidateAsync(fromSecond, Ct).AsTask());
        Assert.Equal(RegistryError.TokenRevoked, inactive.Error);
        Assert.Equal(RegistryError.TokenRevoked, deleted.Error);
        Assert.Contains("the access key that issued it was deleted or deactivated", deleted.Detail, StringComparison.Ordinal);

        // Reactivated, the key's tokens work again: the key's state, not a deny list, decides.
        await _store.SetAccessKeyActiveAsync(first.AccessKeyId, true, Ct);
        _time.Advance(TokenService.PrincipalCacheTtl);
        Assert.Equal("ci", (await _tokens.ValidateAsync(fromFirst, Ct)).Principal.Name);
    }

    [Fact]
    public async Task Validate_TokensNotBefore_RefusesEarlierTokensButNotOnesIssuedAMillisecondLater()
    {
        var before = _tokens.Issue(_key).Password;
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await _store.SetTokensNotBeforeAsync("admin", _time.GetUtcNow(), Ct);
        var after = _tokens.Issue(_key).Password;
        _time.Advance(TokenService.PrincipalCacheTtl);

        var failure = await Assert.ThrowsAsync<RegistryException>(() => _tokens.ValidateAsync(before, Ct).AsTask());

        Assert.Equal(RegistryError.TokenRevoked, failure.Error);
        Assert.Contains("all tokens of its user were revoked", failure.Detail, StringComparison.Ordinal);
        Assert.Equal("admin", (await _tokens.ValidateAsync(after, Ct)).Principal.Name);
    }

    [Fact]
    public void KeyRingFile_IsOwnerOnly()
    {
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_data.Combine("keyring.json")));
        Assert.DoesNotContain(Convert.ToBase64String(_ring.Current.Key), _ring.Current.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AccessKeys_SecretIsStoredSealed_AndResolves()
    {
        var stored = await _store.FindAccessKeyAsync(_key.AccessKeyId, Ct);

        Assert.NotNull(stored);
        Assert.DoesNotContain(_key.SecretAccessKey, Encoding.UTF8.GetString(stored.SealedSecret), StringComparison.Ordinal);
        Assert.Matches("^AKIA[A-Z2-7]{16}$", _key.AccessKeyId);
        Assert.Equal(40, _key.SecretAccessKey.Length);
        var resolved = await new AccessKeys(_store, _ring, _time).ResolveAsync(_key.AccessKeyId, Ct);
        Assert.Equal(_key.SecretAccessKey, resolved?.SecretAccessKey);
        Assert.Null(await new AccessKeys(_store, _ring, _time).ResolveAsync("AKIAUNKNOWN000000000", Ct));
    }

    private static string KeyIdOf(string password)
    {
        var wrapped = Convert.FromBase64String(TokenEnvelope.TryParse(password)!.DataKey);
        return Encoding.ASCII.GetString(wrapped, 2, wrapped[1]);
    }

    public void Dispose()
    {
        _tokens.Dispose();
        _data.Dispose();
    }
}
