using System.Collections.Concurrent;
using Berth.Protocol;
using Berth.Registry.Audit;
using Berth.Registry.Images;
using Berth.Registry.Metadata;
using Microsoft.Extensions.Logging;

namespace Berth.Registry.Lifecycle;

/// <summary>A finished preview: what the policy would expire now.</summary>
/// <param name="PolicyText">The policy previewed.</param>
/// <param name="Expiries">The images it would expire, oldest push first.</param>
public sealed record LifecyclePreview(string PolicyText, IReadOnlyList<LifecycleExpiry> Expiries);

/// <summary>An image enforcement expired.</summary>
/// <param name="Repository">Where it was.</param>
/// <param name="Expiry">The image and the rule that expired it.</param>
public sealed record LifecycleExpired(string Repository, LifecycleExpiry Expiry);

/// <summary>Lifecycle policies: storage with ECR's validation, previews, and enforcement.</summary>
public sealed partial class LifecycleService(
    ILifecycleStore store, IImageStore images, IManifestStore manifests, RegistryOptions options, TimeProvider time, ILogger<LifecycleService> logger, IAuditLog audit)
{
    // Previews are computed when started and kept per repository until the next one (single node; ECR drops them too).
    private const int PageSize = 1000;

    private readonly ConcurrentDictionary<string, LifecyclePreview> _previews = new(StringComparer.Ordinal);

    /// <summary>Validates and stores a policy.</summary>
    public async ValueTask PutAsync(string repository, string text, CancellationToken cancellationToken)
    {
        LifecyclePolicy.Parse(text);
        await store.PutLifecyclePolicyAsync(repository, text, cancellationToken);
    }

    /// <summary>The stored policy.</summary>
    /// <exception cref="RegistryException"><see cref="RegistryError.LifecyclePolicyNotFound"/>.</exception>
    public async ValueTask<StoredLifecyclePolicy> GetAsync(string repository, CancellationToken cancellationToken) =>
        await store.FindLifecyclePolicyAsync(repository, cancellationToken) ?? throw NotFound(repository);

    /// <summary>Removes the policy and returns what it was.</summary>
    public async ValueTask<StoredLifecyclePolicy> DeleteAsync(string repository, CancellationToken cancellationToken)
    {
        var policy = await GetAsync(repository, cancellationToken);
        return await store.DeleteLifecyclePolicyAsync(repository, cancellationToken) ? policy : throw NotFound(repository);
    }

    /// <summary>Evaluates <paramref name="text"/> (or the stored policy) now and keeps the result for <see cref="GetPreview"/>.</summary>
    public async ValueTask<string> StartPreviewAsync(string repository, string? text, CancellationToken cancellationToken)
    {
        text ??= (await GetAsync(repository, cancellationToken)).Text;
        var expiries = await EvaluateAsync(repository, LifecyclePolicy.Parse(text), cancellationToken);
        _previews[repository] = new LifecyclePreview(text, expiries);
        return text;
    }

    /// <summary>The last preview of the repository.</summary>
    /// <exception cref="RegistryException"><see cref="RegistryError.LifecyclePolicyPreviewNotFound"/>.</exception>
    public LifecyclePreview GetPreview(string repository) =>
        _previews.TryGetValue(repository, out var preview)
            ? preview
            : throw new RegistryException(
                RegistryError.LifecyclePolicyPreviewNotFound,
                $"There is no lifecycle policy preview for the repository with name '{repository}' in the registry with id '{options.AccountId}'");

    /// <summary>Enforces every repository's policy now: expired images are deleted like <c>BatchDeleteImage</c> by digest.</summary>
    public async ValueTask<IReadOnlyList<LifecycleExpired>> EnforceAsync(CancellationToken cancellationToken)
    {
        var expired = new List<LifecycleExpired>();
        foreach (var repository in await store.ListRepositoriesWithLifecyclePolicyAsync(cancellationToken))
        {
            var stored = await store.FindLifecyclePolicyAsync(repository, cancellationToken);
            if (stored is null)
            {
                continue;
            }

            foreach (var expiry in await EvaluateAsync(repository, LifecyclePolicy.Parse(stored.Text), cancellationToken))
            {
                if (await manifests.DeleteManifestAsync(repository, Digest.Parse(expiry.Image.Digest), cancellationToken))
                {
                    LogExpired(logger, repository, expiry.Image.Digest, expiry.Image.Tags, expiry.Rule.RulePriority, expiry.Image.PushedAt);
                    audit.Write(new AuditEvent(AuditEvent.LifecycleExpire, null, Action: "ecr:BatchDeleteImage", Resource: options.RepositoryArn(repository), Details: new Dictionary<string, string>
                    {
                        ["repositoryName"] = repository,
                        ["imageDigest"] = expiry.Image.Digest,
                        ["imageTags"] = string.Join(",", expiry.Image.Tags.Order(StringComparer.Ordinal)),
                        ["rulePriority"] = expiry.Rule.RulePriority.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    }));
                    expired.Add(new LifecycleExpired(repository, expiry));
                }
            }

            await store.MarkLifecycleEvaluatedAsync(repository, time.GetUtcNow(), cancellationToken);
        }

        return expired;
    }

    private async ValueTask<IReadOnlyList<LifecycleExpiry>> EvaluateAsync(string repository, LifecyclePolicy policy, CancellationToken cancellationToken)
    {
        var records = new List<ImageRecord>();
        Digest? after = null;
        while (true)
        {
            var page = await images.ListImagesAsync(repository, TagStatus.Any, after, PageSize, cancellationToken);
            records.AddRange(page);
            if (page.Count < PageSize)
            {
                break;
            }

            after = page[^1].Manifest.Digest;
        }

        // A platform image of a kept multi-arch index is untagged but not garbage: rules never see it.
        var children = records
            .Where(record => MediaTypes.IsIndex(record.Manifest.MediaType))
            .SelectMany(record => ImageService.Parse(record.Manifest.Content)?.Manifests ?? [])
            .Select(child => child.Digest)
            .OfType<string>()
            .ToHashSet(StringComparer.Ordinal);
        var candidates = records
            .Where(record => !children.Contains(record.Manifest.Digest.ToString()))
            .Select(record => new LifecycleImage(record.Manifest.Digest.ToString(), record.Tags, record.Manifest.PushedAt, record.LastPulledAt))
            .ToList();
        return LifecycleEvaluator.Evaluate(policy, candidates, time.GetUtcNow());
    }

    private RegistryException NotFound(string repository) => new(
        RegistryError.LifecyclePolicyNotFound,
        $"Lifecycle policy does not exist for the repository with name '{repository}' in the registry with id '{options.AccountId}'");

    [LoggerMessage(EventId = 900, Level = LogLevel.Information, Message = "audit lifecycle.expire repository={Repository} digest={Digest} tags={Tags} rule={RulePriority} pushedAt={PushedAt:O}")]
    private static partial void LogExpired(ILogger logger, string repository, string digest, IReadOnlyCollection<string> tags, int rulePriority, DateTimeOffset pushedAt);
}
