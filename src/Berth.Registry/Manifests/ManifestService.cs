using System.Security.Cryptography;
using System.Text.Json;
using Berth.Protocol;
using Berth.Protocol.Oci;
using Berth.Registry.Metadata;

namespace Berth.Registry.Manifests;

/// <summary>The result of a manifest push.</summary>
/// <param name="Digest">The manifest's digest.</param>
/// <param name="Subject">Its subject, for the <c>OCI-Subject</c> header.</param>
public sealed record PushedManifest(Digest Digest, Digest? Subject);

/// <summary>Manifests, tags and referrers; manifests are stored and served byte for byte.</summary>
public sealed class ManifestService(IManifestStore store, IBlobLinkStore links, RegistryOptions options, TimeProvider time)
{
    /// <summary>Validates and stores a manifest under a tag or digest reference.</summary>
    public async ValueTask<PushedManifest> PutAsync(
        Metadata.RepositoryRecord repository, string reference, string? contentType, byte[] content, CancellationToken cancellationToken)
    {
        if (content.Length > options.MaxManifestBytes)
        {
            throw new RegistryException(RegistryError.ManifestTooLarge, $"manifest is {content.Length} bytes; the limit is {options.MaxManifestBytes}");
        }

        var isDigest = Digest.TryParse(reference, out var referenceDigest);
        if (!isDigest && !RepositoryName.IsValidTag(reference))
        {
            throw reference.Contains(':', StringComparison.Ordinal)
                ? new RegistryException(RegistryError.DigestInvalid, $"invalid digest reference '{reference}'")
                : new RegistryException(RegistryError.TagInvalid, $"invalid tag '{reference}'");
        }

        var digest = isDigest
            ? Digest.FromHash(referenceDigest.Algorithm, referenceDigest.Algorithm == "sha512" ? SHA512.HashData(content) : SHA256.HashData(content))
            : Digest.Sha256(content);
        if (isDigest && digest != referenceDigest)
        {
            throw new RegistryException(RegistryError.DigestInvalid, $"manifest digest is {digest}, not {referenceDigest}");
        }

        var document = Parse(content);
        var mediaType = MediaTypeOf(document, contentType);
        await CheckReferencesAsync(repository.Name, document, mediaType, cancellationToken);

        // Like ECR, even a re-push of the digest the tag already has is refused.
        if (!isDigest && Repositories.TagMutability.IsImmutable(repository, reference) && await store.FindTagAsync(repository.Name, reference, cancellationToken) is not null)
        {
            throw new RegistryException(
                RegistryError.TagInvalid,
                $"The image tag '{reference}' already exists in the '{repository.Name}' repository and cannot be overwritten because the tag is immutable.");
        }

        var subject = ParseDigest(document.Subject?.Digest, "subject");
        var record = new ManifestRecord(
            digest,
            mediaType,
            content,
            document.ArtifactType ?? (MediaTypes.IsIndex(mediaType) ? null : document.Config?.MediaType),
            subject,
            document.Annotations is { Count: > 0 } annotations ? JsonSerializer.Serialize(annotations, RegistryJsonContext.Default.IReadOnlyDictionaryStringString) : null,
            time.GetUtcNow());
        await store.PutManifestAsync(repository.Name, record, isDigest ? null : reference, cancellationToken);
        return new PushedManifest(digest, subject);
    }

    /// <summary>Finds a manifest by tag or digest; <see langword="null"/> when unknown.</summary>
    public async ValueTask<ManifestRecord?> FindAsync(string repository, string reference, CancellationToken cancellationToken)
    {
        var digest = await ResolveAsync(repository, reference, cancellationToken);
        return digest is { } d ? await store.FindManifestAsync(repository, d, cancellationToken) : null;
    }

    /// <summary>Deletes a tag (the manifest stays) or, by digest, the manifest and its tags.</summary>
    public async ValueTask<bool> DeleteAsync(string repository, string reference, CancellationToken cancellationToken)
    {
        if (Digest.TryParse(reference, out var digest))
        {
            return await store.DeleteManifestAsync(repository, digest, cancellationToken);
        }

        CheckReference(reference);
        return await store.DeleteTagAsync(repository, reference, cancellationToken);
    }

    /// <summary>A page of tags.</summary>
    public ValueTask<IReadOnlyList<string>> ListTagsAsync(string repository, string? after, int limit, CancellationToken cancellationToken) =>
        store.ListTagsAsync(repository, after, limit, cancellationToken);

    /// <summary>The referrers of <paramref name="subject"/>, optionally only those of one artifact type.</summary>
    public async ValueTask<IReadOnlyList<Descriptor>> ListReferrersAsync(string repository, Digest subject, string? artifactType, CancellationToken cancellationToken)
    {
        var referrers = await store.ListReferrersAsync(repository, subject, cancellationToken);
        return
        [
            .. referrers
                .Where(m => artifactType is null || m.ArtifactType == artifactType)
                .Select(m => new Descriptor(
                    m.MediaType,
                    m.Digest.ToString(),
                    m.Content.LongLength,
                    m.ArtifactType,
                    m.Annotations is null ? null : JsonSerializer.Deserialize(m.Annotations, RegistryJsonContext.Default.IReadOnlyDictionaryStringString))),
        ];
    }

    private async ValueTask<Digest?> ResolveAsync(string repository, string reference, CancellationToken cancellationToken)
    {
        if (Digest.TryParse(reference, out var digest))
        {
            return digest;
        }

        CheckReference(reference);
        return await store.FindTagAsync(repository, reference, cancellationToken);
    }

    private static void CheckReference(string reference)
    {
        if (!RepositoryName.IsValidTag(reference))
        {
            throw reference.Contains(':', StringComparison.Ordinal)
                ? new RegistryException(RegistryError.DigestInvalid, $"invalid digest reference '{reference}'")
                : new RegistryException(RegistryError.TagInvalid, $"invalid tag '{reference}'");
        }
    }

    private static ManifestDocument Parse(byte[] content)
    {
        try
        {
            return JsonSerializer.Deserialize(content, OciDocumentJsonContext.Default.ManifestDocument)
                ?? throw new RegistryException(RegistryError.ManifestInvalid, "manifest is JSON null");
        }
        catch (JsonException e)
        {
            throw new RegistryException(RegistryError.ManifestInvalid, $"manifest is not valid JSON: {e.Message}");
        }
    }

    private static string MediaTypeOf(ManifestDocument document, string? contentType)
    {
        var declared = document.MediaType;
        var header = contentType?.Split(';')[0].Trim();
        if (document.SchemaVersion == 1 || declared is MediaTypes.DockerSchema1 or MediaTypes.DockerSchema1Signed || header is MediaTypes.DockerSchema1 or MediaTypes.DockerSchema1Signed)
        {
            throw new RegistryException(RegistryError.Unsupported, "Docker image manifest schema 1 is not supported; push schema 2 or OCI");
        }

        if (document.SchemaVersion != 2)
        {
            throw new RegistryException(RegistryError.ManifestInvalid, $"schemaVersion must be 2, not {document.SchemaVersion}");
        }

        if (declared is not null && header is not null && header.Length > 0 && MediaTypes.IsSupportedManifest(header) && declared != header)
        {
            throw new RegistryException(RegistryError.ManifestInvalid, $"mediaType '{declared}' does not match Content-Type '{header}'");
        }

        var mediaType = declared ?? (MediaTypes.IsSupportedManifest(header ?? "") ? header! : document.Manifests is not null ? MediaTypes.OciIndex : MediaTypes.OciManifest);
        return MediaTypes.IsSupportedManifest(mediaType)
            ? mediaType
            : throw new RegistryException(RegistryError.ManifestInvalid, $"unsupported manifest media type '{mediaType}'");
    }

    private async ValueTask CheckReferencesAsync(string repository, ManifestDocument document, string mediaType, CancellationToken cancellationToken)
    {
        if (MediaTypes.IsIndex(mediaType))
        {
            foreach (var child in document.Manifests ?? [])
            {
                var digest = RequireDigest(child.Digest, "manifests[].digest");
                if (await store.FindManifestAsync(repository, digest, cancellationToken) is null)
                {
                    throw new RegistryException(RegistryError.ManifestBlobUnknown, $"manifest {digest} is not in repository '{repository}'");
                }
            }

            return;
        }

        if (document.Config is null)
        {
            throw new RegistryException(RegistryError.ManifestInvalid, "an image manifest needs a config descriptor");
        }

        foreach (var blob in (document.Layers ?? []).Prepend(document.Config))
        {
            var digest = RequireDigest(blob.Digest, "blob digest");
            var size = await links.FindBlobLinkAsync(repository, digest, cancellationToken);
            if (size is null)
            {
                throw new RegistryException(RegistryError.ManifestBlobUnknown, $"blob {digest} is not in repository '{repository}'");
            }

            if (size != blob.Size)
            {
                throw new RegistryException(RegistryError.ManifestInvalid, $"blob {digest} is {size} bytes, the manifest says {blob.Size}");
            }
        }
    }

    private static Digest RequireDigest(string? value, string field) =>
        ParseDigest(value, field) ?? throw new RegistryException(RegistryError.ManifestInvalid, $"{field} is missing");

    private static Digest? ParseDigest(string? value, string field) =>
        value is null ? null
        : Digest.TryParse(value, out var digest) ? digest
        : throw new RegistryException(RegistryError.ManifestInvalid, $"{field} '{value}' is not a valid digest");
}

[System.Text.Json.Serialization.JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
internal sealed partial class RegistryJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
