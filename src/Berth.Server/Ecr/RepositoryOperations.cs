using Berth.Protocol.Ecr;
using Berth.Registry;
using Berth.Registry.Metadata;
using Berth.Registry.Repositories;
using Berth.Registry.Security;
using Berth.Server.Auth;
using Berth.Server.Hosting;

namespace Berth.Server.Ecr;

/// <summary><c>CreateRepository</c>, <c>DescribeRepositories</c>, <c>DeleteRepository</c>, <c>PutImageTagMutability</c>.</summary>
internal static class RepositoryOperations
{
    private const string TokenKind = "r1";

    public static async ValueTask<IResult> CreateAsync(EcrCall call)
    {
        var input = call.Read(EcrRepositoryJsonContext.Default.CreateRepositoryRequest);
        var name = EcrInput.Required(input.RepositoryName, "repositoryName");
        EcrInput.CheckRegistryId(call, input.RegistryId);
        var (mutability, exclusions) = TagMutabilityOf(input.ImageTagMutability ?? TagMutability.Mutable, input.ImageTagMutabilityExclusionFilters);
        await call.RequireAsync(EcrActions.CreateRepository, name);
        var tags = input.Tags is null ? null : RegistryOperations.ResourceTags(input.Tags);
        var scanOnPush = input.ImageScanningConfiguration?.ScanOnPush ?? false;
        var record = await Service(call).CreateAsync(name, mutability, exclusions, scanOnPush, tags, call.Http.RequestAborted);
        return EcrInput.Json(new RepositoryResponse(Describe(call, record)), EcrRepositoryJsonContext.Default.RepositoryResponse);
    }

    public static async ValueTask<IResult> PutImageTagMutabilityAsync(EcrCall call)
    {
        var input = call.Read(EcrRepositoryJsonContext.Default.PutImageTagMutabilityRequest);
        var name = EcrInput.Required(input.RepositoryName, "repositoryName");
        EcrInput.CheckRegistryId(call, input.RegistryId);
        var (mutability, exclusions) = TagMutabilityOf(EcrInput.Required(input.ImageTagMutability, "imageTagMutability"), input.ImageTagMutabilityExclusionFilters);
        await call.RequireAsync(EcrActions.PutImageTagMutability, name);
        var record = await Service(call).SetTagMutabilityAsync(name, mutability, exclusions, call.Http.RequestAborted);
        return EcrInput.Json(
            new PutImageTagMutabilityResponse(EcrInput.AccountId(call), record.Name, record.ImageTagMutability, Filters(record)),
            EcrRepositoryJsonContext.Default.PutImageTagMutabilityResponse);
    }

    public static async ValueTask<IResult> PutImageScanningConfigurationAsync(EcrCall call)
    {
        var input = call.Read(EcrRegistryJsonContext.Default.PutImageScanningConfigurationRequest);
        var name = EcrInput.Required(input.RepositoryName, "repositoryName");
        var setting = input.ImageScanningConfiguration ?? throw new RegistryException(
            RegistryError.InvalidParameter, "1 validation error detected: Value null at 'imageScanningConfiguration' failed to satisfy constraint: Member must not be null");
        EcrInput.CheckRegistryId(call, input.RegistryId);
        await call.RequireAsync(EcrActions.PutImageScanningConfiguration, name);
        var record = await Service(call).SetScanOnPushAsync(name, setting.ScanOnPush, call.Http.RequestAborted);
        return EcrInput.Json(
            new PutImageScanningConfigurationResponse(EcrInput.AccountId(call), record.Name, new ImageScanningConfiguration(record.ScanOnPush)),
            EcrRegistryJsonContext.Default.PutImageScanningConfigurationResponse);
    }

    public static async ValueTask<IResult> BatchGetScanningConfigurationAsync(EcrCall call)
    {
        var input = call.Read(EcrRegistryJsonContext.Default.BatchGetRepositoryScanningConfigurationRequest);
        var names = EcrInput.Count(input.RepositoryNames, "repositoryNames", 1, 25);
        var options = call.Http.RequestServices.GetRequiredService<RegistryOptions>();
        var found = new List<RepositoryScanningConfiguration>();
        var failures = new List<RepositoryScanningConfigurationFailure>();
        foreach (var name in names)
        {
            await call.RequireAsync(EcrActions.BatchGetRepositoryScanningConfiguration, name);
            if (await Service(call).FindAsync(name, call.Http.RequestAborted) is { } record)
            {
                // No scanner runs, so there are no scan filters; the frequency follows the stored flag.
                found.Add(new RepositoryScanningConfiguration(options.RepositoryArn(name), name, record.ScanOnPush, record.ScanOnPush ? "SCAN_ON_PUSH" : "MANUAL", []));
            }
            else
            {
                failures.Add(new RepositoryScanningConfigurationFailure(name, "REPOSITORY_NOT_FOUND", "REPOSITORY_NOT_FOUND"));
            }
        }

        return EcrInput.Json(new BatchGetRepositoryScanningConfigurationResponse(found, failures), EcrRegistryJsonContext.Default.BatchGetRepositoryScanningConfigurationResponse);
    }

    // ECR: the _WITH_EXCLUSION modes need 1..5 WILDCARD filters; the plain modes take none.
    private static (string Mutability, IReadOnlyList<string>? Exclusions) TagMutabilityOf(string mutability, IReadOnlyList<TagMutabilityExclusionFilter>? filters)
    {
        if (!TagMutability.Values.Contains(mutability))
        {
            throw new RegistryException(
                RegistryError.InvalidParameter,
                $"Invalid parameter at 'imageTagMutability' failed to satisfy constraint: 'Member must satisfy enum value set: [{string.Join(", ", TagMutability.Values)}]'");
        }

        if (!TagMutability.TakesExclusions(mutability))
        {
            return filters is null
                ? (mutability, null)
                : throw new RegistryException(
                    RegistryError.InvalidParameter,
                    $"Invalid parameter at 'imageTagMutabilityExclusionFilters': exclusion filters can only be used with the {TagMutability.ImmutableWithExclusion} or {TagMutability.MutableWithExclusion} tag mutability settings");
        }

        var list = EcrInput.Count(filters, "imageTagMutabilityExclusionFilters", 1, 5);
        foreach (var filter in list)
        {
            if (filter.FilterType != TagMutability.WildcardFilterType)
            {
                throw new RegistryException(
                    RegistryError.InvalidParameter,
                    $"Invalid parameter at 'imageTagMutabilityExclusionFilters.filterType' failed to satisfy constraint: 'Member must satisfy enum value set: [{TagMutability.WildcardFilterType}]'");
            }

            if (filter.Filter is null || !TagMutability.IsValidFilter(filter.Filter))
            {
                throw new RegistryException(
                    RegistryError.InvalidParameter,
                    "Invalid parameter at 'imageTagMutabilityExclusionFilters.filter' failed to satisfy constraint: 'Member must satisfy regular expression pattern: ^[0-9a-zA-Z._*-]{1,128}$'");
            }
        }

        return (mutability, [.. list.Select(f => f.Filter!).Distinct(StringComparer.Ordinal)]);
    }

    private static IReadOnlyList<TagMutabilityExclusionFilter>? Filters(RepositoryRecord record) =>
        record.TagMutabilityExclusions is { Count: > 0 } exclusions
            ? [.. exclusions.Select(f => new TagMutabilityExclusionFilter(TagMutability.WildcardFilterType, f))]
            : null;

    public static async ValueTask<IResult> DescribeAsync(EcrCall call)
    {
        var input = call.Body.Length == 0 ? new DescribeRepositoriesRequest() : call.Read(EcrRepositoryJsonContext.Default.DescribeRepositoriesRequest);
        EcrInput.CheckRegistryId(call, input.RegistryId);
        var service = Service(call);
        var ct = call.Http.RequestAborted;
        if (input.RepositoryNames is { } names)
        {
            if (input.NextToken is not null || input.MaxResults is not null)
            {
                throw new RegistryException(RegistryError.InvalidParameter, "Invalid parameter: cannot specify maxResults or nextToken together with repositoryNames");
            }

            EcrInput.Count(names, "repositoryNames", 1, 100);

            var found = new List<EcrRepository>();
            foreach (var name in names)
            {
                await call.RequireAsync(EcrActions.DescribeRepositories, name);
                var record = await service.FindAsync(name, ct) ?? throw EcrInput.RepositoryNotFound(call, name);
                found.Add(Describe(call, record));
            }

            return EcrInput.Json(new DescribeRepositoriesResponse(found, null), EcrRepositoryJsonContext.Default.DescribeRepositoriesResponse);
        }

        var limit = EcrInput.PageSize(input.MaxResults);
        var after = EcrInput.DecodeToken(TokenKind, input.NextToken);
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
                    next = EcrInput.EncodeToken(TokenKind, page[^1].RepositoryName);
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

        return EcrInput.Json(new DescribeRepositoriesResponse(page, next), EcrRepositoryJsonContext.Default.DescribeRepositoriesResponse);
    }

    public static async ValueTask<IResult> DeleteAsync(EcrCall call)
    {
        var input = call.Read(EcrRepositoryJsonContext.Default.DeleteRepositoryRequest);
        var name = EcrInput.Required(input.RepositoryName, "repositoryName");
        EcrInput.CheckRegistryId(call, input.RegistryId);
        await call.RequireAsync(EcrActions.DeleteRepository, name);
        try
        {
            var record = await Service(call).DeleteAsync(name, input.Force, call.Http.RequestAborted);
            return EcrInput.Json(new RepositoryResponse(Describe(call, record)), EcrRepositoryJsonContext.Default.RepositoryResponse);
        }
        catch (RegistryException e) when (e.Error == RegistryError.NameUnknown)
        {
            throw EcrInput.RepositoryNotFound(call, name);
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
            EcrInput.Epoch(record.CreatedAt),
            record.ImageTagMutability,
            new ImageScanningConfiguration(record.ScanOnPush),
            new EncryptionConfiguration("AES256"),
            Filters(record));
    }

    private static RepositoryService Service(EcrCall call) => call.Http.RequestServices.GetRequiredService<RepositoryService>();
}
