using System.Runtime.CompilerServices;
using System.Text;
using Berth.Protocol;
using Berth.Protocol.Ecr;
using Berth.Registry;
using Berth.Registry.Images;
using Berth.Registry.Manifests;
using Berth.Registry.Metadata;
using Berth.Registry.Security;

namespace Berth.Server.Ecr;

/// <summary><c>ListImages</c>, <c>DescribeImages</c>, <c>BatchGetImage</c>, <c>BatchDeleteImage</c>, <c>PutImage</c>, <c>ListImageReferrers</c>.</summary>
internal static class ImageOperations
{
    private const string ListTokenKind = "i1";
    private const string DescribeTokenKind = "d1";
    private const string ReferrersTokenKind = "f1";
    private const int MaxManifestChars = 4_194_304;

    // ECR's failure reasons (ImageFailure.failureReason).
    private const string NotFoundReason = "Requested image not found";

    public static async ValueTask<IResult> ListAsync(EcrCall call)
    {
        var input = call.Read(EcrImageJsonContext.Default.ListImagesRequest);
        var name = EcrInput.Required(input.RepositoryName, "repositoryName");
        EcrInput.CheckRegistryId(call, input.RegistryId);
        var status = EcrInput.TagStatusOf(input.Filter);
        var limit = EcrInput.PageSize(input.MaxResults);
        var after = DecodeListToken(input.NextToken);
        await EcrInput.AuthorizedRepositoryAsync(call, EcrActions.ListImages, name);

        var rows = await Images(call).ListIdsAsync(name, status, after, limit + 1, call.Http.RequestAborted);
        var page = rows.Take(limit).ToList();
        var next = rows.Count > limit ? EcrInput.EncodeToken(ListTokenKind, $"{page[^1].Digest}\n{page[^1].Tag}") : null;
        return EcrInput.Json(
            new ListImagesResponse([.. page.Select(p => new ImageIdentifier(p.Digest.ToString(), p.Tag))], next),
            EcrImageJsonContext.Default.ListImagesResponse);
    }

    public static async ValueTask<IResult> DescribeAsync(EcrCall call)
    {
        var input = call.Read(EcrImageJsonContext.Default.DescribeImagesRequest);
        var name = EcrInput.Required(input.RepositoryName, "repositoryName");
        EcrInput.CheckRegistryId(call, input.RegistryId);
        var status = EcrInput.TagStatusOf(input.Filter);
        var ct = call.Http.RequestAborted;
        var images = Images(call);

        if (input.ImageIds is not null)
        {
            if (input.NextToken is not null || input.MaxResults is not null)
            {
                throw new RegistryException(RegistryError.InvalidParameter, "Invalid parameter: cannot specify maxResults or nextToken together with imageIds");
            }

            var ids = EcrInput.Count(input.ImageIds, "imageIds", 1, 100);
            await EcrInput.AuthorizedRepositoryAsync(call, EcrActions.DescribeImages, name);
            var details = new List<ImageDetail>();
            foreach (var id in ids)
            {
                var (image, failure) = await ResolveAsync(images, name, id, ct);
                if (image is null)
                {
                    throw failure!.FailureCode == "ImageNotFound"
                        ? new RegistryException(
                            RegistryError.ManifestUnknown,
                            $"The image with imageId {{imageDigest:'{id.ImageDigest ?? "null"}', imageTag:'{id.ImageTag ?? "null"}'}} does not exist within the repository with name '{name}' in the registry with id '{EcrInput.AccountId(call)}'")
                        : new RegistryException(RegistryError.InvalidParameter, failure.FailureReason);
                }

                if (details.All(d => d.ImageDigest != image.Manifest.Digest.ToString()))
                {
                    details.Add(await DetailAsync(call, images, name, image));
                }
            }

            return EcrInput.Json(new DescribeImagesResponse(details, null), EcrImageJsonContext.Default.DescribeImagesResponse);
        }

        var limit = EcrInput.PageSize(input.MaxResults);
        var after = EcrInput.DecodeToken(DescribeTokenKind, input.NextToken) is { } text
            ? Digest.TryParse(text, out var d) ? d : throw InvalidToken()
            : (Digest?)null;
        await EcrInput.AuthorizedRepositoryAsync(call, EcrActions.DescribeImages, name);
        var rows = await images.ListAsync(name, status, after, limit + 1, ct);
        var page = new List<ImageDetail>();
        foreach (var image in rows.Take(limit))
        {
            page.Add(await DetailAsync(call, images, name, image));
        }

        var next = rows.Count > limit ? EcrInput.EncodeToken(DescribeTokenKind, page[^1].ImageDigest) : null;
        return EcrInput.Json(new DescribeImagesResponse(page, next), EcrImageJsonContext.Default.DescribeImagesResponse);
    }

    public static async ValueTask<IResult> BatchGetAsync(EcrCall call)
    {
        var input = call.Read(EcrImageJsonContext.Default.BatchGetImageRequest);
        var name = EcrInput.Required(input.RepositoryName, "repositoryName");
        EcrInput.CheckRegistryId(call, input.RegistryId);
        var ids = EcrInput.Count(input.ImageIds, "imageIds", 1, 100);
        var accepted = input.AcceptedMediaTypes is null ? null : EcrInput.Count(input.AcceptedMediaTypes, "acceptedMediaTypes", 1, 100);
        await EcrInput.AuthorizedRepositoryAsync(call, EcrActions.BatchGetImage, name);
        var images = Images(call);
        var ct = call.Http.RequestAborted;
        var found = new List<EcrImage>();
        var failures = new List<ImageFailure>();
        await foreach (var (id, image) in ResolveEachAsync(images, name, ids, failures, ct))
        {
            // Berth serves manifests byte for byte (never converted), so a type the caller does not take is a failure.
            var manifest = image.Manifest;
            if (accepted is not null && !accepted.Contains(manifest.MediaType))
            {
                failures.Add(new ImageFailure(id, "UnsupportedImageType", $"The image's manifest media type '{manifest.MediaType}' is not among acceptedMediaTypes, and this registry does not convert manifests"));
                continue;
            }

            await images.RecordPullAsync(name, manifest.Digest, ct);
            found.Add(ToImage(call, name, manifest, id.ImageTag));
        }

        return EcrInput.Json(new BatchGetImageResponse(found, failures), EcrImageJsonContext.Default.BatchGetImageResponse);
    }

    public static async ValueTask<IResult> BatchDeleteAsync(EcrCall call)
    {
        var input = call.Read(EcrImageJsonContext.Default.BatchDeleteImageRequest);
        var name = EcrInput.Required(input.RepositoryName, "repositoryName");
        EcrInput.CheckRegistryId(call, input.RegistryId);
        var ids = EcrInput.Count(input.ImageIds, "imageIds", 1, 100);
        await EcrInput.AuthorizedRepositoryAsync(call, EcrActions.BatchDeleteImage, name);
        var images = Images(call);
        var ct = call.Http.RequestAborted;
        var deleted = new List<ImageIdentifier>();
        var failures = new List<ImageFailure>();
        await foreach (var (id, image) in ResolveEachAsync(images, name, ids, failures, ct))
        {
            var digest = image.Manifest.Digest;

            // A tag alone removes that tag (and the image with its last tag); a digest removes the image and every tag.
            var outcome = id.ImageDigest is null
                ? await images.DeleteTagAsync(name, id.ImageTag!, ct)
                : await images.DeleteImageAsync(name, digest, ct);
            switch (outcome)
            {
                case ImageDeleteOutcome.Deleted when id.ImageDigest is null:
                    deleted.Add(new ImageIdentifier(digest.ToString(), id.ImageTag));
                    break;
                case ImageDeleteOutcome.Deleted:
                    deleted.AddRange(image.Tags.Count == 0 ? [new ImageIdentifier(digest.ToString())] : image.Tags.Select(t => new ImageIdentifier(digest.ToString(), t)));
                    break;
                case ImageDeleteOutcome.ReferencedByManifestList:
                    var parent = await images.FindParentIndexAsync(name, digest, ct);
                    failures.Add(new ImageFailure(id, "ImageReferencedByManifestList", $"Requested image referenced by manifest list: [{parent}]"));
                    break;
                default:
                    failures.Add(new ImageFailure(id, "ImageNotFound", NotFoundReason));
                    break;
            }
        }

        return EcrInput.Json(new BatchDeleteImageResponse(deleted, failures), EcrImageJsonContext.Default.BatchDeleteImageResponse);
    }

    public static async ValueTask<IResult> PutAsync(EcrCall call)
    {
        var input = call.Read(EcrImageJsonContext.Default.PutImageRequest);
        var name = EcrInput.Required(input.RepositoryName, "repositoryName");
        var text = EcrInput.Required(input.ImageManifest, "imageManifest");
        EcrInput.CheckRegistryId(call, input.RegistryId);
        if (text.Length > MaxManifestChars)
        {
            throw new RegistryException(RegistryError.InvalidParameter, $"Invalid parameter at 'imageManifest' failed to satisfy constraint: 'Member must have length less than or equal to {MaxManifestChars}'");
        }

        if (input.ImageTag is { } tag && !RepositoryName.IsValidTag(tag))
        {
            throw new RegistryException(
                RegistryError.InvalidParameter,
                $"Invalid parameter at 'imageTag' failed to satisfy constraint: 'Member must satisfy regular expression pattern: [a-zA-Z0-9_][a-zA-Z0-9._-]{{0,127}}' (got '{tag}')");
        }

        Digest? expected = null;
        if (input.ImageDigest is { } digestText)
        {
            expected = Digest.TryParse(digestText, out var d)
                ? d
                : throw new RegistryException(RegistryError.InvalidParameter, $"Invalid parameter at 'imageDigest' failed to satisfy constraint: 'Member must satisfy regular expression pattern: [a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'");
        }

        var repository = await EcrInput.AuthorizedRepositoryAsync(call, EcrActions.PutImage, name);
        var manifest = await Images(call).PutAsync(repository, Encoding.UTF8.GetBytes(text), input.ImageManifestMediaType, input.ImageTag, expected, call.Http.RequestAborted);
        return EcrInput.Json(new PutImageResponse(ToImage(call, name, manifest, input.ImageTag)), EcrImageJsonContext.Default.PutImageResponse);
    }

    public static async ValueTask<IResult> ListReferrersAsync(EcrCall call)
    {
        var input = call.Read(EcrReferrersJsonContext.Default.ListImageReferrersRequest);
        var name = EcrInput.Required(input.RepositoryName, "repositoryName");
        var subjectText = EcrInput.Required(input.SubjectId?.ImageDigest, "subjectId.imageDigest");
        EcrInput.CheckRegistryId(call, input.RegistryId);
        if (!Digest.TryParse(subjectText, out var subject))
        {
            throw new RegistryException(RegistryError.InvalidParameter, "Invalid parameter at 'subjectId.imageDigest' failed to satisfy constraint: 'Member must satisfy regular expression pattern: [a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'");
        }

        var limit = input.MaxResults ?? 50;
        if (limit is < 1 or > 50)
        {
            throw new RegistryException(RegistryError.InvalidParameter, "Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value less than or equal to 50 and greater than or equal to 1'");
        }

        var types = input.Filter?.ArtifactTypes is { } t ? EcrInput.Count(t, "filter.artifactTypes", 0, 5) : null;
        var after = EcrInput.DecodeToken(ReferrersTokenKind, input.NextToken);
        await EcrInput.AuthorizedRepositoryAsync(call, EcrActions.ListImageReferrers, name);

        // A subject has few referrers: the store returns them all (push order), and the page is cut here.
        var all = await call.Http.RequestServices.GetRequiredService<ManifestService>().ListReferrersAsync(name, subject, null, call.Http.RequestAborted);
        var matching = all.Where(r => types is not { Count: > 0 } || types.Contains(r.ArtifactType ?? "")).ToList();
        var start = after is null ? 0 : matching.FindIndex(r => r.Digest == after) + 1;
        if (after is not null && start == 0)
        {
            throw InvalidToken();
        }

        var page = matching.Skip(start).Take(limit).ToList();
        var next = start + page.Count < matching.Count ? EcrInput.EncodeToken(ReferrersTokenKind, page[^1].Digest!) : null;
        return EcrInput.Json(
            new ListImageReferrersResponse([.. page.Select(r => new ImageReferrer(r.Digest!, r.MediaType!, r.ArtifactType, r.Size, r.Annotations))], next),
            EcrReferrersJsonContext.Default.ListImageReferrersResponse);
    }

    /// <summary>Finds the image an id names, or says why not with ECR's failure code and reason.</summary>
    // The batch calls' shared loop: each id in order; one that does not resolve is recorded as a failure and skipped.
    private static async IAsyncEnumerable<(ImageIdentifier Id, ImageRecord Image)> ResolveEachAsync(
        ImageService images, string repository, IEnumerable<ImageIdentifier> ids, List<ImageFailure> failures, [EnumeratorCancellation] CancellationToken ct)
    {
        foreach (var id in ids)
        {
            var (image, failure) = await ResolveAsync(images, repository, id, ct);
            if (image is null)
            {
                failures.Add(failure!);
                continue;
            }

            yield return (id, image);
        }
    }

    private static async ValueTask<(ImageRecord? Image, ImageFailure? Failure)> ResolveAsync(
        ImageService images, string repository, ImageIdentifier id, CancellationToken ct)
    {
        if (id.ImageDigest is null && id.ImageTag is null)
        {
            return (null, new ImageFailure(id, "MissingDigestAndTag", "Invalid request parameters: both tag and digest cannot be null"));
        }

        Digest? digest = null;
        if (id.ImageDigest is not null)
        {
            if (!Digest.TryParse(id.ImageDigest, out var parsed))
            {
                return (null, new ImageFailure(id, "InvalidImageDigest", "Invalid request parameters: image digest should satisfy the regex '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'"));
            }

            digest = parsed;
        }

        if (id.ImageTag is not null)
        {
            if (id.ImageTag.Length is < 1 or > 300)
            {
                return (null, new ImageFailure(id, "InvalidImageTag", "Invalid request parameters: image tag should have length between 1 and 300"));
            }

            var tagged = RepositoryName.IsValidTag(id.ImageTag) ? await images.FindTagAsync(repository, id.ImageTag, ct) : null;
            if (tagged is null)
            {
                return (null, new ImageFailure(id, "ImageNotFound", NotFoundReason));
            }

            if (digest is not null && digest != tagged)
            {
                return (null, new ImageFailure(id, "ImageTagDoesNotMatchDigest", "Invalid request parameters: image tag does not match digest"));
            }

            digest = tagged;
        }

        var image = await images.FindAsync(repository, digest!.Value, ct);
        return image is null ? (null, new ImageFailure(id, "ImageNotFound", NotFoundReason)) : (image, null);
    }

    private static async ValueTask<ImageDetail> DetailAsync(EcrCall call, ImageService images, string repository, ImageRecord image)
    {
        var manifest = image.Manifest;
        return new ImageDetail(
            EcrInput.AccountId(call),
            repository,
            manifest.Digest.ToString(),
            image.Tags.Count > 0 ? image.Tags : null,
            await images.SizeAsync(repository, manifest, call.Http.RequestAborted),
            EcrInput.Epoch(manifest.PushedAt),
            manifest.MediaType,
            manifest.ArtifactType,
            image.LastPulledAt is { } pulled ? EcrInput.Epoch(pulled) : null,
            manifest.Subject?.ToString());
    }

    private static EcrImage ToImage(EcrCall call, string repository, ManifestRecord manifest, string? tag) =>
        new(EcrInput.AccountId(call), repository, new ImageIdentifier(manifest.Digest.ToString(), tag), Encoding.UTF8.GetString(manifest.Content), manifest.MediaType);

    private static ImageTagPair? DecodeListToken(string? token)
    {
        if (EcrInput.DecodeToken(ListTokenKind, token) is not { } text)
        {
            return null;
        }

        var parts = text.Split('\n');
        return parts.Length == 2 && Digest.TryParse(parts[0], out var digest)
            ? new ImageTagPair(digest, parts[1].Length > 0 ? parts[1] : null)
            : throw InvalidToken();
    }

    private static RegistryException InvalidToken() =>
        new(RegistryError.InvalidParameter, "Invalid parameter at 'nextToken': the token is not one this registry issued");

    private static ImageService Images(EcrCall call) => call.Http.RequestServices.GetRequiredService<ImageService>();
}
