using Berth.Protocol;
using Berth.Registry.Metadata;

namespace Berth.Registry.Repositories;

/// <summary>Repositories: existence (ECR never creates on push unless told to), creation, listing, deletion.</summary>
public sealed class RepositoryService(IRepositoryStore store, IImageStore images, IResourceTagStore resourceTags, RegistryOptions options, TimeProvider time)
{
    /// <summary>ECR's limit on tags per resource.</summary>
    public const int MaxResourceTags = 50;

    /// <summary>Returns the repository, creating it for a push when create-on-push is on.</summary>
    /// <exception cref="RegistryException"><see cref="RegistryError.NameInvalid"/> or <see cref="RegistryError.NameUnknown"/> with ECR's message.</exception>
    public async ValueTask<RepositoryRecord> RequireAsync(string name, bool forPush, CancellationToken cancellationToken)
    {
        if (!RepositoryName.IsValid(name))
        {
            throw new RegistryException(RegistryError.NameInvalid, $"invalid repository name '{name}'");
        }

        var repository = await store.FindRepositoryAsync(name, cancellationToken);
        if (repository is not null)
        {
            return repository;
        }

        if (forPush && options.CreateOnPush)
        {
            await store.CreateRepositoryAsync(new RepositoryRecord(name, time.GetUtcNow()), cancellationToken);
            return await store.FindRepositoryAsync(name, cancellationToken) ?? throw new InvalidOperationException("created repository vanished");
        }

        throw NotFound(name);
    }

    /// <summary>Creates a repository.</summary>
    public async ValueTask<RepositoryRecord> CreateAsync(
        string name,
        string tagMutability,
        IReadOnlyList<string>? exclusions,
        bool scanOnPush,
        IReadOnlyList<KeyValuePair<string, string>>? tags,
        CancellationToken cancellationToken)
    {
        CheckResourceTags(tags ?? [], 0);
        if (!RepositoryName.IsValid(name))
        {
            throw new RegistryException(
                RegistryError.InvalidParameter,
                $"Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*' and have length between 2 and 256'");
        }

        var record = new RepositoryRecord(name, time.GetUtcNow(), tagMutability, exclusions, scanOnPush);
        if (!await store.CreateRepositoryAsync(record, cancellationToken))
        {
            throw new RegistryException(
                RegistryError.RepositoryAlreadyExists,
                $"The repository with name '{name}' already exists in the registry with id '{options.AccountId}'");
        }

        if (tags is { Count: > 0 })
        {
            await resourceTags.SetResourceTagsAsync(name, tags, cancellationToken);
        }

        return record;
    }

    /// <summary>The repository's resource tags.</summary>
    public async ValueTask<IReadOnlyList<KeyValuePair<string, string>>> ListResourceTagsAsync(string name, CancellationToken cancellationToken)
    {
        _ = await store.FindRepositoryAsync(name, cancellationToken) ?? throw NotFound(name);
        return await resourceTags.ListResourceTagsAsync(name, cancellationToken);
    }

    /// <summary>Adds or overwrites resource tags (TagResource), at most <see cref="MaxResourceTags"/> in all.</summary>
    public async ValueTask TagAsync(string name, IReadOnlyList<KeyValuePair<string, string>> tags, CancellationToken cancellationToken)
    {
        var existing = await ListResourceTagsAsync(name, cancellationToken);
        CheckResourceTags(tags, existing.Count(e => tags.All(t => t.Key != e.Key)));
        await resourceTags.SetResourceTagsAsync(name, tags, cancellationToken);
    }

    /// <summary>Removes resource tags by key (UntagResource).</summary>
    public async ValueTask UntagAsync(string name, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        _ = await store.FindRepositoryAsync(name, cancellationToken) ?? throw NotFound(name);
        foreach (var key in keys)
        {
            CheckTagKey(key);
        }

        await resourceTags.RemoveResourceTagsAsync(name, keys, cancellationToken);
    }

    // ECR: keys 1..128 characters and not under the reserved "aws:" prefix, values 0..256, at most 50 per resource.
    // existingOthers is how many tags the resource keeps besides the keys in tags.
    private static void CheckResourceTags(IReadOnlyList<KeyValuePair<string, string>> tags, int existingOthers)
    {
        foreach (var (key, value) in tags)
        {
            CheckTagKey(key);
            if (value is null || value.Length > 256)
            {
                throw new RegistryException(RegistryError.InvalidTagParameter, $"The tag value for key '{key}' must be between 0 and 256 characters long");
            }
        }

        if (existingOthers + tags.Select(t => t.Key).Distinct(StringComparer.Ordinal).Count() > MaxResourceTags)
        {
            throw new RegistryException(RegistryError.TooManyTags, $"A resource can have at most {MaxResourceTags} tags");
        }
    }

    private static void CheckTagKey(string key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 128)
        {
            throw new RegistryException(RegistryError.InvalidTagParameter, "The tag key must be between 1 and 128 characters long");
        }

        if (key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
        {
            throw new RegistryException(RegistryError.InvalidTagParameter, $"The tag key '{key}' uses the reserved prefix 'aws:'");
        }
    }

    /// <summary>Deletes a repository; without <paramref name="force"/> only when it holds no images.</summary>
    public async ValueTask<RepositoryRecord> DeleteAsync(string name, bool force, CancellationToken cancellationToken)
    {
        var repository = await store.FindRepositoryAsync(name, cancellationToken) ?? throw NotFound(name);
        if (!force && await store.CountManifestsAsync(name, cancellationToken) > 0)
        {
            throw new RegistryException(
                RegistryError.RepositoryNotEmpty,
                $"The repository with name '{name}' in registry with id '{options.AccountId}' cannot be deleted because it still contains images");
        }

        await store.DeleteRepositoryAsync(name, cancellationToken);
        return repository;
    }

    /// <summary>Changes the scan-on-push setting (PutImageScanningConfiguration).</summary>
    public async ValueTask<RepositoryRecord> SetScanOnPushAsync(string name, bool scanOnPush, CancellationToken cancellationToken) =>
        await images.SetScanOnPushAsync(name, scanOnPush, cancellationToken)
            ? await store.FindRepositoryAsync(name, cancellationToken) ?? throw NotFound(name)
            : throw NotFound(name);

    /// <summary>Changes the tag mutability setting (PutImageTagMutability).</summary>
    public async ValueTask<RepositoryRecord> SetTagMutabilityAsync(
        string name, string tagMutability, IReadOnlyList<string>? exclusions, CancellationToken cancellationToken) =>
        await images.SetTagMutabilityAsync(name, tagMutability, exclusions, cancellationToken)
            ? await store.FindRepositoryAsync(name, cancellationToken) ?? throw NotFound(name)
            : throw NotFound(name);

    /// <summary>One page of repositories in name order.</summary>
    public ValueTask<IReadOnlyList<RepositoryRecord>> ListAsync(string? after, int limit, CancellationToken cancellationToken) =>
        store.ListRepositoriesAsync(after, limit, cancellationToken);

    /// <summary>Finds a repository.</summary>
    public ValueTask<RepositoryRecord?> FindAsync(string name, CancellationToken cancellationToken) => store.FindRepositoryAsync(name, cancellationToken);

    private RegistryException NotFound(string name) =>
        new(RegistryError.NameUnknown, $"The repository with name '{name}' does not exist in the registry with id '{options.AccountId}'");
}
