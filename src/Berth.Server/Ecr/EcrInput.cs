using System.Text;
using Berth.Protocol.Ecr;
using Berth.Registry;
using Berth.Registry.Metadata;
using Berth.Registry.Repositories;

namespace Berth.Server.Ecr;

/// <summary>Input checks and output helpers every ECR operation shares, with ECR's wording.</summary>
internal static class EcrInput
{
    /// <summary>Page size when <c>maxResults</c> is absent (ECR's default).</summary>
    public const int DefaultPageSize = 100;

    public static string Required(string? value, string member) =>
        string.IsNullOrEmpty(value)
            ? throw new RegistryException(RegistryError.InvalidParameter, $"1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null")
            : value;

    public static T Required<T>(T? value, string member)
        where T : struct =>
        value ?? throw new RegistryException(RegistryError.InvalidParameter, $"1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null");

    public static void CheckRegistryId(EcrCall call, string? registryId)
    {
        var account = call.Http.RequestServices.GetRequiredService<RegistryOptions>().AccountId;
        if (registryId is not null && registryId != account)
        {
            throw new RegistryException(RegistryError.InvalidParameter, $"Invalid parameter at 'registryId': this registry's id is '{account}'");
        }
    }

    /// <summary>Checks a list's length against the model's bounds.</summary>
    public static IReadOnlyList<T> Count<T>(IReadOnlyList<T>? list, string member, int min, int max) =>
        list is null
            ? throw new RegistryException(RegistryError.InvalidParameter, $"1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null")
            : list.Count < min || list.Count > max
                ? throw new RegistryException(RegistryError.InvalidParameter, $"Invalid parameter at '{member}' failed to satisfy constraint: 'Member must have length between {min} and {max}'")
                : list;

    /// <summary><c>maxResults</c>: 1..1000, default 100.</summary>
    public static int PageSize(int? maxResults) =>
        maxResults is < 1 or > 1000
            ? throw new RegistryException(RegistryError.InvalidParameter, "Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value less than or equal to 1000 and greater than or equal to 1'")
            : maxResults ?? DefaultPageSize;

    /// <summary>The <c>tagStatus</c> filter (<c>TAGGED</c>, <c>UNTAGGED</c>, <c>ANY</c>; absent = any).</summary>
    public static TagStatus TagStatusOf(ImageFilter? filter)
    {
        if (filter?.ImageStatus is { } status && status is not ("ACTIVE" or "ANY" or "ARCHIVED" or "ACTIVATING"))
        {
            throw new RegistryException(RegistryError.InvalidParameter, "Invalid parameter at 'filter.imageStatus' failed to satisfy constraint: 'Member must satisfy enum value set: [ACTIVE, ARCHIVED, ACTIVATING, ANY]'");
        }

        return filter?.TagStatus switch
        {
            null or "ANY" => TagStatus.Any,
            "TAGGED" => TagStatus.Tagged,
            "UNTAGGED" => TagStatus.Untagged,
            _ => throw new RegistryException(RegistryError.InvalidParameter, "Invalid parameter at 'filter.tagStatus' failed to satisfy constraint: 'Member must satisfy enum value set: [TAGGED, UNTAGGED, ANY]'"),
        };
    }

    /// <summary>An opaque continuation token: a kind prefix and the last key, base64-encoded.</summary>
    public static string EncodeToken(string kind, string last) => Convert.ToBase64String(Encoding.UTF8.GetBytes(kind + ":" + last));

    /// <summary>Decodes a token of <paramref name="kind"/>; anything else is ECR's "invalid nextToken".</summary>
    public static string? DecodeToken(string kind, string? token)
    {
        if (token is null)
        {
            return null;
        }

        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            return text.StartsWith(kind + ":", StringComparison.Ordinal) ? text[(kind.Length + 1)..] : throw new FormatException();
        }
        catch (FormatException)
        {
            throw new RegistryException(RegistryError.InvalidParameter, "Invalid parameter at 'nextToken': the token is not one this registry issued");
        }
    }

    public static RegistryException RepositoryNotFound(EcrCall call, string name) =>
        new(RegistryError.NameUnknown, $"The repository with name '{name}' does not exist in the registry with id '{AccountId(call)}'");

    /// <summary>Authorizes <paramref name="action"/> on the repository, then returns it (or ECR's RepositoryNotFoundException).</summary>
    public static async ValueTask<RepositoryRecord> AuthorizedRepositoryAsync(EcrCall call, string action, string name)
    {
        await call.RequireAsync(action, name);
        return await RepositoryAsync(call, name);
    }

    /// <summary>The repository, or ECR's RepositoryNotFoundException.</summary>
    public static async ValueTask<RepositoryRecord> RepositoryAsync(EcrCall call, string name) =>
        await call.Http.RequestServices.GetRequiredService<RepositoryService>().FindAsync(name, call.Http.RequestAborted)
            ?? throw RepositoryNotFound(call, name);

    public static string AccountId(EcrCall call) => call.Http.RequestServices.GetRequiredService<RegistryOptions>().AccountId;

    /// <summary>Epoch seconds with milliseconds, as AWS JSON timestamps are.</summary>
    public static double Epoch(DateTimeOffset time) => time.ToUnixTimeMilliseconds() / 1000.0;

    public static IResult Json<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        TypedResults.Json(value, type, EcrProtocol.ContentType);
}
