using System.Globalization;
using Berth.Protocol;
using Berth.Protocol.Oci;
using Berth.Registry;
using Berth.Registry.Manifests;
using Berth.Registry.Repositories;
using Berth.Registry.Security;
using Berth.Server.Auth;

namespace Berth.Server.Oci;

/// <summary>end-8 (tags list), the catalog, and end-12 (referrers).</summary>
internal static class ListingHandlers
{
    // Pages are capped so a huge n cannot make one response unbounded; a Link header leads to the rest.
    private const int MaxPage = 1000;

    public static async Task<IResult> TagsAsync(OciRoute route, HttpContext http)
    {
        var services = http.RequestServices;
        await services.GetRequiredService<Authorizer>().RequireAsync(http, route.Repository, EcrActions.ListImages);
        await services.GetRequiredService<RepositoryService>().RequireAsync(route.Repository, forPush: false, http.RequestAborted);
        var (limit, last) = ReadPage(http.Request);
        var tags = limit == 0 ? [] : await services.GetRequiredService<ManifestService>().ListTagsAsync(route.Repository, last, limit + 1, http.RequestAborted);
        var page = tags.Take(limit).ToList();
        if (tags.Count > limit)
        {
            SetNextLink(http, $"/v2/{route.Repository}/tags/list", limit, page[^1]);
        }

        return TypedResults.Json(new TagList(route.Repository, page), OciDocumentJsonContext.Default.TagList);
    }

    public static async Task<IResult> CatalogAsync(HttpContext http)
    {
        var services = http.RequestServices;
        var authorizer = services.GetRequiredService<Authorizer>();
        var repositories = services.GetRequiredService<RepositoryService>();
        var (limit, last) = ReadPage(http.Request);

        // Only repositories the caller may describe are listed.
        var page = new List<string>();
        var more = false;
        while (limit > 0 && !more)
        {
            var batch = await repositories.ListAsync(last, MaxPage, http.RequestAborted);
            foreach (var repository in batch)
            {
                if (!await authorizer.IsAllowedAsync(http, repository.Name, EcrActions.DescribeRepositories))
                {
                    continue;
                }

                if (page.Count == limit)
                {
                    more = true;
                    break;
                }

                page.Add(repository.Name);
            }

            if (batch.Count < MaxPage)
            {
                break;
            }

            last = batch[^1].Name;
        }

        if (more)
        {
            SetNextLink(http, "/v2/_catalog", limit, page[^1]);
        }

        return TypedResults.Json(new Catalog(page), OciDocumentJsonContext.Default.Catalog);
    }

    public static async Task<IResult> ReferrersAsync(OciRoute route, HttpContext http)
    {
        var services = http.RequestServices;
        await services.GetRequiredService<Authorizer>().RequireAsync(http, route.Repository, EcrActions.BatchGetImage);
        await services.GetRequiredService<RepositoryService>().RequireAsync(route.Repository, forPush: false, http.RequestAborted);
        var subject = route.Digest;
        var artifactType = http.Request.Query["artifactType"].ToString();
        var referrers = await services.GetRequiredService<ManifestService>()
            .ListReferrersAsync(route.Repository, subject, artifactType.Length > 0 ? artifactType : null, http.RequestAborted);
        if (artifactType.Length > 0)
        {
            http.Response.Headers["OCI-Filters-Applied"] = "artifactType";
        }

        return TypedResults.Json(new ImageIndex(referrers), OciDocumentJsonContext.Default.ImageIndex, MediaTypes.OciIndex);
    }

    private static (int Limit, string? Last) ReadPage(HttpRequest request)
    {
        var limit = MaxPage;
        var n = request.Query["n"];
        if (n.Count > 0)
        {
            if (!int.TryParse(n.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out limit))
            {
                // Not a non-negative integer (negative, garbage) or beyond int: refuse; huge but valid values are capped.
                if (!long.TryParse(n.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    throw new RegistryException(RegistryError.PaginationInvalid, $"n must be a non-negative integer, not '{n}'");
                }

                limit = MaxPage;
            }

            limit = Math.Min(limit, MaxPage);
        }

        var last = request.Query["last"].ToString();
        return (limit, last.Length > 0 ? last : null);
    }

    private static void SetNextLink(HttpContext http, string path, int limit, string last) =>
        http.Response.Headers.Link = string.Create(
            CultureInfo.InvariantCulture, $"<{path}?n={limit}&last={Uri.EscapeDataString(last)}>; rel=\"next\"");
}
