using System.Text;
using Berth.Protocol.Ecr;
using Berth.Registry;
using Berth.Registry.Metadata;
using Berth.Registry.Repositories;
using Berth.Registry.Security;
using Berth.Server.Auth;
using Berth.Server.Hosting;

namespace Berth.Server.Ecr;

/// <summary><c>CreateRepository</c>, <c>DescribeRepositories</c>, <c>DeleteRepository</c>.</summary>
internal static class RepositoryOperations
{
    public static async ValueTask<IResult> CreateAsync(EcrCall call)
    {
        var input = call.Read(EcrRepositoryJsonContext.Default.CreateRepositoryRequest);
        var name = Required(input.RepositoryName, "repositoryName");
        CheckRegistryId(call, input.RegistryId);
        var mutability = input.ImageTagMutability ?? "MUTABLE";
        if (mutability is not ("MUTABLE" or "IMMUTABLE"))
        {
            throw new RegistryException(
                RegistryError.InvalidParameter,
                $"Invalid parameter at 'imageTagMutability' failed to satisfy constraint: 'Member must satisfy enum value set: [MUTABLE, IMMUTABLE]'");
        }

        await call.RequireAsync(EcrActions.CreateRepository, name);
        var record = await Service(call).CreateAsync(name, mutability, call.Http.RequestAborted);
        return Json(new RepositoryResponse(Describe(call, record)), EcrRepositoryJsonContext.Default.RepositoryResponse);
    }

    public static async ValueTask<IResult> DescribeAsync(EcrCall call)
    {
        var input = call.Body.Length == 0 ? new DescribeRepositoriesRequest() : call.Read(EcrRepositoryJsonContext.Default.DescribeRepositoriesRequest);
        CheckRegistryId(call, input.RegistryId);
        var service = Service(call);
        var ct = call.Http.RequestAborted;
        if (input.RepositoryNames is { } names)
        {
            if (input.NextToken is not null || input.MaxResults is not null)
            {
                throw new RegistryException(RegistryError.InvalidParameter, "Invalid parameter: cannot specify maxResults or nextToken together with repositoryNames");
            }

            if (names.Count is < 1 or > 100)
            {
                throw new RegistryException(RegistryError.InvalidParameter, "Invalid parameter at 'repositoryNames' failed to satisfy constraint: 'Member must have length between 1 and 100'");
            }

            var found = new List<EcrRepository>();
            foreach (var name in names)
            {
                await call.RequireAsync(EcrActions.DescribeRepositories, name);
                var record = await service.FindAsync(name, ct) ?? throw NotFound(call, name);
                found.Add(Describe(call, record));
            }

            return Json(new DescribeRepositoriesResponse(found, null), EcrRepositoryJsonContext.Default.DescribeRepositoriesResponse);
        }

        var limit = input.MaxResults ?? 100;
        if (limit is < 1 or > 1000)
        {
            throw new RegistryException(RegistryError.InvalidParameter, "Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value less than or equal to 1000 and greater than or equal to 1'");
        }

        var after = DecodeToken(input.NextToken);
        var page = new List<EcrRepository>();
        string? next = null;
        var authorizer = call.Http.RequestServices.GetRequiredService<Authorizer>();
        while (next is null)
        {
            var batch = await service.ListAsync(after, 1000, ct);
            foreach (var record in batch)
            {
                if (!await authorizer.IsAllowedAsync(call.Http, record.Name, EcrActions.DescribeRepositories))
                {
                    continue;
                }

                if (page.Count == limit)
                {
                    next = EncodeToken(page[^1].RepositoryName);
                    break;
                }

                page.Add(Describe(call, record));
            }

            if (batch.Count < 1000)
            {
                break;
            }

            after = batch[^1].Name;
        }

        return Json(new DescribeRepositoriesResponse(page, next), EcrRepositoryJsonContext.Default.DescribeRepositoriesResponse);
    }

    public static async ValueTask<IResult> DeleteAsync(EcrCall call)
    {
        var input = call.Read(EcrRepositoryJsonContext.Default.DeleteRepositoryRequest);
        var name = Required(input.RepositoryName, "repositoryName");
        CheckRegistryId(call, input.RegistryId);
        await call.RequireAsync(EcrActions.DeleteRepository, name);
        try
        {
            var record = await Service(call).DeleteAsync(name, input.Force, call.Http.RequestAborted);
            return Json(new RepositoryResponse(Describe(call, record)), EcrRepositoryJsonContext.Default.RepositoryResponse);
        }
        catch (RegistryException e) when (e.Error == RegistryError.NameUnknown)
        {
            throw NotFound(call, name);
        }
    }

    private static EcrRepository Describe(EcrCall call, RepositoryRecord record)
    {
        var options = call.Http.RequestServices.GetRequiredService<BerthServerOptions>();
        var host = new Uri(RegistryUrl.For(call.Http.Request, options.PublicUrl)).Authority;
        return new EcrRepository(
            options.Registry.RepositoryArn(record.Name),
            options.Registry.AccountId,
            record.Name,
            $"{host}/{record.Name}",
            record.CreatedAt.ToUnixTimeMilliseconds() / 1000.0,
            record.ImageTagMutability,
            new ImageScanningConfiguration(false),
            new EncryptionConfiguration("AES256"));
    }

    private static RepositoryService Service(EcrCall call) => call.Http.RequestServices.GetRequiredService<RepositoryService>();

    internal static string Required(string? value, string member) =>
        string.IsNullOrEmpty(value)
            ? throw new RegistryException(RegistryError.InvalidParameter, $"1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null")
            : value;

    internal static void CheckRegistryId(EcrCall call, string? registryId)
    {
        var account = call.Http.RequestServices.GetRequiredService<RegistryOptions>().AccountId;
        if (registryId is not null && registryId != account)
        {
            throw new RegistryException(RegistryError.InvalidParameter, $"Invalid parameter at 'registryId': this registry's id is '{account}'");
        }
    }

    internal static RegistryException NotFound(EcrCall call, string name) =>
        new(RegistryError.NameUnknown, $"The repository with name '{name}' does not exist in the registry with id '{call.Http.RequestServices.GetRequiredService<RegistryOptions>().AccountId}'");

    private static string EncodeToken(string last) => Convert.ToBase64String(Encoding.UTF8.GetBytes("r1:" + last));

    private static string? DecodeToken(string? token)
    {
        if (token is null)
        {
            return null;
        }

        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            return text.StartsWith("r1:", StringComparison.Ordinal) ? text[3..] : throw new FormatException();
        }
        catch (FormatException)
        {
            throw new RegistryException(RegistryError.InvalidParameter, "Invalid parameter at 'nextToken': the token is not one this registry issued");
        }
    }

    private static IResult Json<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        TypedResults.Json(value, type, EcrProtocol.ContentType);
}
