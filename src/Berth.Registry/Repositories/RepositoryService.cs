using Berth.Protocol;
using Berth.Registry.Metadata;

namespace Berth.Registry.Repositories;

/// <summary>Repositories: existence (ECR never creates on push unless told to), creation, listing, deletion.</summary>
public sealed class RepositoryService(IRepositoryStore store, IImageStore images, RegistryOptions options, TimeProvider time)
{
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
        string name, string tagMutability, IReadOnlyList<string>? exclusions, CancellationToken cancellationToken)
    {
        if (!RepositoryName.IsValid(name))
        {
            throw new RegistryException(
                RegistryError.InvalidParameter,
                $"Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*' and have length between 2 and 256'");
        }

        var record = new RepositoryRecord(name, time.GetUtcNow(), tagMutability, exclusions);
        return await store.CreateRepositoryAsync(record, cancellationToken)
            ? record
            : throw new RegistryException(
                RegistryError.RepositoryAlreadyExists,
                $"The repository with name '{name}' already exists in the registry with id '{options.AccountId}'");
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
