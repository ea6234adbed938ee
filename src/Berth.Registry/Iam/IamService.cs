using System.Text;
using System.Text.RegularExpressions;
using Berth.Registry.Policies;
using Berth.Registry.Security;

namespace Berth.Registry.Iam;

/// <summary>A page of a listing and where the next page starts.</summary>
/// <param name="Items">The items.</param>
/// <param name="Marker">Where to continue, or <see langword="null"/> on the last page.</param>
public sealed record IamPage<T>(IReadOnlyList<T> Items, string? Marker);

/// <summary>The IAM user model: users, their access keys and inline policies, with IAM's rules and error texts.</summary>
/// <remarks>Every failure is a <see cref="RegistryException"/> with IAM's code and wording, so any front end (the IAM
/// Query API, tests) reports it the same way. Changes to policies reach <see cref="PolicyEvaluator"/> at once.</remarks>
public sealed partial class IamService(
    IPrincipalStore principals, IPolicyStore policies, AccessKeys keys, PolicyEvaluator evaluator, ITokenService tokens, TimeProvider time) : IDisposable
{
    /// <summary>IAM's quota of access keys per user.</summary>
    public const int MaxAccessKeysPerUser = 2;

    // One node owns its metadata store (SQLite); key creation is rare, so one lock for all users is enough.
    private readonly SemaphoreSlim _keyQuota = new(1, 1);

    /// <summary>IAM's quota for all inline policies of one user together, whitespace not counted.</summary>
    public const int MaxUserPolicySize = 2048;

    /// <inheritdoc/>
    public void Dispose() => _keyQuota.Dispose();

    /// <summary>Creates a user.</summary>
    public async ValueTask<Principal> CreateUserAsync(string? userName, string? path, CancellationToken cancellationToken)
    {
        var name = Name(userName, "userName", 64);
        var userPath = path ?? "/";
        if (userPath.Length > 512 || !PathPattern().IsMatch(userPath))
        {
            throw Validation(userPath, "path", "Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)");
        }

        var user = new Principal(name, IsAdmin: false, IsActive: true, time.GetUtcNow()) { Path = userPath };
        if (!await principals.CreateUserAsync(user, cancellationToken))
        {
            throw new RegistryException(RegistryError.EntityAlreadyExists, $"User with name {name} already exists.");
        }

        return await RequireUserAsync(name, cancellationToken);
    }

    /// <summary>Finds a user or fails with NoSuchEntity.</summary>
    public async ValueTask<Principal> RequireUserAsync(string? userName, CancellationToken cancellationToken)
    {
        var name = Name(userName, "userName", 128);
        return await principals.FindUserAsync(name, cancellationToken)
            ?? throw NoSuchUser(name);
    }

    /// <summary>Lists users whose path starts with <paramref name="pathPrefix"/>.</summary>
    public async ValueTask<IamPage<Principal>> ListUsersAsync(string? pathPrefix, string? marker, int? maxItems, CancellationToken cancellationToken)
    {
        var limit = Limit(maxItems);
        var prefix = pathPrefix ?? "/";
        var after = DecodeMarker(marker);
        var page = new List<Principal>();
        while (true)
        {
            var batch = await principals.ListUsersAsync(after, 500, cancellationToken);
            foreach (var user in batch.Where(u => u.Path.StartsWith(prefix, StringComparison.Ordinal)))
            {
                if (page.Count == limit)
                {
                    return new IamPage<Principal>(page, EncodeMarker(page[^1].Name));
                }

                page.Add(user);
            }

            if (batch.Count < 500)
            {
                return new IamPage<Principal>(page, null);
            }

            after = batch[^1].Name;
        }
    }

    /// <summary>Deletes a user that has no access keys and no inline policies left.</summary>
    public async ValueTask DeleteUserAsync(string? userName, CancellationToken cancellationToken)
    {
        var user = await RequireUserAsync(userName, cancellationToken);
        if (user.IsAdmin)
        {
            throw new RegistryException(RegistryError.DeleteConflict, "Cannot delete entity: the bootstrap admin is the registry's root user.");
        }

        var result = await principals.DeleteUserAsync(user.Name, cancellationToken);
        switch (result)
        {
            case DeleteUserResult.NotFound:
                throw NoSuchUser(user.Name);
            case DeleteUserResult.HasAccessKeys:
                throw new RegistryException(RegistryError.DeleteConflict, "Cannot delete entity, must delete access keys first.");
            case DeleteUserResult.HasPolicies:
                throw new RegistryException(RegistryError.DeleteConflict, "Cannot delete entity, must delete policies first.");
        }

        evaluator.ForgetUser(user.Name);
        tokens.Forget(user.Name);
    }

    /// <summary>Creates an access key; its secret exists in the clear only in the returned value.</summary>
    public async ValueTask<(ResolvedAccessKey Key, DateTimeOffset CreatedAt)> CreateAccessKeyAsync(string? userName, CancellationToken cancellationToken)
    {
        var user = await RequireUserAsync(userName, cancellationToken);

        // Count and insert as one step, or two concurrent calls both see one key and the user ends up with three.
        await _keyQuota.WaitAsync(cancellationToken);
        try
        {
            if ((await principals.ListAccessKeysAsync(user.Name, cancellationToken)).Count >= MaxAccessKeysPerUser)
            {
                throw new RegistryException(RegistryError.LimitExceeded, $"Cannot exceed quota for AccessKeysPerUser: {MaxAccessKeysPerUser}");
            }

            var key = await keys.CreateAsync(user, cancellationToken);
            var stored = await principals.FindAccessKeyAsync(key.AccessKeyId, cancellationToken);
            return (key, stored?.CreatedAt ?? time.GetUtcNow());
        }
        finally
        {
            _keyQuota.Release();
        }
    }

    /// <summary>A user's access keys (never their secrets).</summary>
    public async ValueTask<IReadOnlyList<StoredAccessKey>> ListAccessKeysAsync(string? userName, CancellationToken cancellationToken)
    {
        var user = await RequireUserAsync(userName, cancellationToken);
        return await principals.ListAccessKeysAsync(user.Name, cancellationToken);
    }

    /// <summary>Sets a key Active or Inactive; tokens it minted fail while it is inactive.</summary>
    public async ValueTask UpdateAccessKeyAsync(string? userName, string? accessKeyId, string? status, CancellationToken cancellationToken)
    {
        var key = await RequireAccessKeyAsync(userName, accessKeyId, cancellationToken);
        var active = status switch
        {
            "Active" => true,
            "Inactive" => false,
            null => throw Validation(null, "status", "Member must not be null"),
            _ => throw Validation(status, "status", "Member must satisfy enum value set: [Active, Inactive, Expired]"),
        };
        await principals.SetAccessKeyActiveAsync(key.AccessKeyId, active, cancellationToken);
        tokens.Forget(key.UserName, key.AccessKeyId);
    }

    /// <summary>Deletes a key; tokens it minted fail.</summary>
    public async ValueTask DeleteAccessKeyAsync(string? userName, string? accessKeyId, CancellationToken cancellationToken)
    {
        var key = await RequireAccessKeyAsync(userName, accessKeyId, cancellationToken);
        if (!await principals.DeleteAccessKeyAsync(key.AccessKeyId, cancellationToken))
        {
            throw NoSuchKey(key.AccessKeyId);
        }

        tokens.Forget(key.UserName, key.AccessKeyId);
    }

    /// <summary>Creates or replaces an inline policy after validating it.</summary>
    public async ValueTask PutUserPolicyAsync(string? userName, string? policyName, string? document, CancellationToken cancellationToken)
    {
        var user = await RequireUserAsync(userName, cancellationToken);
        var name = Name(policyName, "policyName", 128);
        if (string.IsNullOrEmpty(document))
        {
            throw Validation(null, "policyDocument", "Member must not be null");
        }

        if (document.Length > 131072 || document.Any(c => c is not ('\t' or '\n' or '\r') && (c < ' ' || c > '\u00FF')))
        {
            throw Validation(
                "(the policy document)", "policyDocument",
                "Member must have length less than or equal to 131072 and satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+");
        }

        try
        {
            PolicyDocument.Parse(document, PolicyKind.Identity);
        }
        catch (MalformedPolicyException e)
        {
            throw new RegistryException(RegistryError.MalformedPolicyDocument, e.Message);
        }

        var others = (await policies.ListUserPoliciesAsync(user.Name, cancellationToken)).Where(p => p.Key != name).Sum(p => PolicySize(p.Value));
        if (others + PolicySize(document) > MaxUserPolicySize)
        {
            throw new RegistryException(RegistryError.LimitExceeded, $"Maximum policy size of {MaxUserPolicySize} bytes exceeded for user {user.Name}");
        }

        await policies.PutUserPolicyAsync(user.Name, name, document, cancellationToken);
        evaluator.ForgetUser(user.Name);
    }

    /// <summary>An inline policy's document, as it was put.</summary>
    public async ValueTask<(Principal User, string PolicyName, string Document)> GetUserPolicyAsync(string? userName, string? policyName, CancellationToken cancellationToken)
    {
        var user = await RequireUserAsync(userName, cancellationToken);
        var name = Name(policyName, "policyName", 128);
        var document = await policies.FindUserPolicyAsync(user.Name, name, cancellationToken) ?? throw NoSuchPolicy(name);
        return (user, name, document);
    }

    /// <summary>The names of a user's inline policies.</summary>
    public async ValueTask<IReadOnlyList<string>> ListUserPoliciesAsync(string? userName, CancellationToken cancellationToken)
    {
        var user = await RequireUserAsync(userName, cancellationToken);
        return [.. (await policies.ListUserPoliciesAsync(user.Name, cancellationToken)).Select(p => p.Key)];
    }

    /// <summary>Deletes an inline policy.</summary>
    public async ValueTask DeleteUserPolicyAsync(string? userName, string? policyName, CancellationToken cancellationToken)
    {
        var user = await RequireUserAsync(userName, cancellationToken);
        var name = Name(policyName, "policyName", 128);
        if (!await policies.DeleteUserPolicyAsync(user.Name, name, cancellationToken))
        {
            throw NoSuchPolicy(name);
        }

        evaluator.ForgetUser(user.Name);
    }

    /// <summary>Invalidates every token the user holds now; tokens issued afterwards work (Berth's extension).</summary>
    public async ValueTask<DateTimeOffset> RevokeTokensAsync(string? userName, CancellationToken cancellationToken)
    {
        var user = await RequireUserAsync(userName, cancellationToken);
        var now = time.GetUtcNow();
        if (!await principals.SetTokensNotBeforeAsync(user.Name, now, cancellationToken))
        {
            throw NoSuchUser(user.Name);
        }

        tokens.Forget(user.Name);
        return now;
    }

    private async ValueTask<StoredAccessKey> RequireAccessKeyAsync(string? userName, string? accessKeyId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(accessKeyId))
        {
            throw Validation(null, "accessKeyId", "Member must not be null");
        }

        if (accessKeyId.Length is < 16 or > 128 || !accessKeyId.All(char.IsAsciiLetterOrDigit))
        {
            throw Validation(accessKeyId, "accessKeyId", "Member must satisfy regular expression pattern: [\\w]+");
        }

        // The key must belong to the named user: authorization was decided on that user's ARN.
        var owner = await RequireUserAsync(userName, cancellationToken);
        var key = await principals.FindAccessKeyAsync(accessKeyId, cancellationToken);
        return key is not null && key.UserName == owner.Name ? key : throw NoSuchKey(accessKeyId);
    }

    // IAM counts policy size without whitespace.
    private static int PolicySize(string document) => document.Count(c => !char.IsWhiteSpace(c));

    private static string Name(string? value, string member, int maxLength)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw Validation(null, member, "Member must not be null");
        }

        if (value.Length > maxLength)
        {
            throw Validation(value, member, $"Member must have length less than or equal to {maxLength}");
        }

        return NamePattern().IsMatch(value) ? value : throw Validation(value, member, "Member must satisfy regular expression pattern: [\\w+=,.@-]+");
    }

    private static int Limit(int? maxItems) =>
        maxItems switch
        {
            null => 100,
            >= 1 and <= 1000 => maxItems.Value,
            _ => throw Validation(maxItems.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), "maxItems", "Member must have value less than or equal to 1000 and greater than or equal to 1"),
        };

    private static string EncodeMarker(string last) => Convert.ToBase64String(Encoding.UTF8.GetBytes("u1:" + last));

    private static string? DecodeMarker(string? marker)
    {
        if (marker is null)
        {
            return null;
        }

        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(marker));
            return text.StartsWith("u1:", StringComparison.Ordinal) ? text[3..] : throw new FormatException();
        }
        catch (FormatException)
        {
            throw new RegistryException(RegistryError.ValidationError, "Invalid Marker: it is not one this registry returned.");
        }
    }

    private static RegistryException Validation(string? value, string member, string constraint) =>
        new(RegistryError.ValidationError, value is null
            ? $"1 validation error detected: Value null at '{member}' failed to satisfy constraint: {constraint}"
            : $"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {constraint}");

    private static RegistryException NoSuchUser(string userName) =>
        new(RegistryError.NoSuchEntity, $"The user with name {userName} cannot be found.");

    private static RegistryException NoSuchKey(string accessKeyId) =>
        new(RegistryError.NoSuchEntity, $"The Access Key with id {accessKeyId} cannot be found.");

    private static RegistryException NoSuchPolicy(string policyName) =>
        new(RegistryError.NoSuchEntity, $"The user policy with name {policyName} cannot be found.");

    [GeneratedRegex(@"^[\w+=,.@-]+$", RegexOptions.ECMAScript)]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^(/|/[\u0021-\u007E]+/)$")]
    private static partial Regex PathPattern();
}
