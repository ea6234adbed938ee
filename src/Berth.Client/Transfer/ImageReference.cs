using System.Diagnostics.CodeAnalysis;
using Berth.Protocol;

namespace Berth.Client.Transfer;

/// <summary>Where an image is, as written on the command line: a registry (<c>[docker://]HOST/REPO[:TAG|@DIGEST]</c>),
/// an OCI image layout (<c>oci:DIR[:TAG]</c>) or a docker-archive tarball (<c>docker-archive:FILE[:NAME:TAG]</c>);
/// the syntax is skopeo's.</summary>
public abstract record ImageReference(string Text)
{
    /// <summary>Parses a reference.</summary>
    /// <param name="text">The reference.</param>
    /// <param name="reference">The parsed reference.</param>
    /// <param name="error">Why it is not one, in one line.</param>
    /// <returns>Whether it parsed.</returns>
    public static bool TryParse(string text, [NotNullWhen(true)] out ImageReference? reference, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        reference = null;
        if (text.StartsWith("oci:", StringComparison.Ordinal))
        {
            var (path, tag) = SplitPathAndTag(text["oci:".Length..]);
            if (path.Length == 0)
            {
                error = $"invalid reference \"{text}\": oci: needs a directory (oci:DIR[:TAG])";
                return false;
            }

            if (tag is not null && !IsValidTag(tag))
            {
                error = $"invalid reference \"{text}\": \"{tag}\" is not a valid tag";
                return false;
            }

            reference = new OciLayoutReference(text, path, tag);
            error = null;
            return true;
        }

        if (text.StartsWith("docker-archive:", StringComparison.Ordinal))
        {
            var rest = text["docker-archive:".Length..];
            var colon = rest.IndexOf(':', StringComparison.Ordinal);
            var path = colon < 0 ? rest : rest[..colon];
            var name = colon < 0 ? null : rest[(colon + 1)..];
            if (path.Length == 0)
            {
                error = $"invalid reference \"{text}\": docker-archive: needs a file (docker-archive:FILE[:NAME:TAG])";
                return false;
            }

            reference = new DockerArchiveReference(text, path, string.IsNullOrEmpty(name) ? null : name);
            error = null;
            return true;
        }

        var registryText = text.StartsWith("docker://", StringComparison.Ordinal) ? text["docker://".Length..] : text;
        if (text.Contains("://", StringComparison.Ordinal) && !text.StartsWith("docker://", StringComparison.Ordinal))
        {
            error = $"invalid reference \"{text}\": unknown transport; use HOST/REPO[:TAG], docker://HOST/REPO[:TAG], oci:DIR[:TAG] or docker-archive:FILE";
            return false;
        }

        return RegistryImageReference.TryParse(text, registryText, out reference, out error);
    }

    // oci:DIR:TAG — the tag is what follows the last colon, unless that colon belongs to the path (e.g. "./a:b/c").
    private static (string Path, string? Tag) SplitPathAndTag(string value)
    {
        var colon = value.LastIndexOf(':');
        if (colon < 0 || value[(colon + 1)..].Contains('/', StringComparison.Ordinal))
        {
            return (value, null);
        }

        var tag = value[(colon + 1)..];
        return (value[..colon], tag.Length == 0 ? null : tag);
    }

    /// <summary>Whether <paramref name="tag"/> is a valid OCI tag.</summary>
    /// <param name="tag">The tag.</param>
    /// <returns>Whether it matches <c>[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}</c>.</returns>
    public static bool IsValidTag(string tag) => RepositoryName.IsValidTag(tag);
}

/// <summary>An image in a registry.</summary>
/// <param name="Text">As written.</param>
/// <param name="Host">The registry host, with port when given.</param>
/// <param name="Repository">The repository.</param>
/// <param name="Tag">The tag, or <see langword="null"/>.</param>
/// <param name="Digest">The digest, or <see langword="null"/>.</param>
public sealed record RegistryImageReference(string Text, string Host, string Repository, string? Tag, string? Digest) : ImageReference(Text)
{
    /// <summary>The tag or digest to ask the registry for: the digest when given, else the tag, else <c>latest</c>.</summary>
    public string ManifestReference => Digest ?? Tag ?? "latest";

    /// <summary>The registry and repository.</summary>
    public RegistryLocation Location => new(Host, Repository);

    internal static bool TryParse(string text, string value, [NotNullWhen(true)] out ImageReference? reference, [NotNullWhen(false)] out string? error)
    {
        reference = null;
        string? digest = null;
        var at = value.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            digest = value[(at + 1)..];
            value = value[..at];
            if (!Protocol.Digest.TryParse(digest, out _))
            {
                error = $"invalid reference \"{text}\": \"{digest}\" is not a valid digest";
                return false;
            }
        }

        var slash = value.IndexOf('/', StringComparison.Ordinal);
        var host = slash < 0 ? "" : value[..slash];
        if (slash < 0 || !(host.Contains('.', StringComparison.Ordinal) || host.Contains(':', StringComparison.Ordinal) || host == "localhost"))
        {
            error = $"invalid reference \"{text}\": name the registry host (HOST[:PORT]/REPOSITORY[:TAG]), e.g. 127.0.0.1:5000/team/app:v1";
            return false;
        }

        var path = value[(slash + 1)..];
        string? tag = null;
        var colon = path.LastIndexOf(':');
        if (colon >= 0)
        {
            tag = path[(colon + 1)..];
            path = path[..colon];
            if (!IsValidTag(tag))
            {
                error = $"invalid reference \"{text}\": \"{tag}\" is not a valid tag";
                return false;
            }
        }

        if (!RepositoryName.IsValid(path))
        {
            error = $"invalid reference \"{text}\": \"{path}\" is not a valid repository name";
            return false;
        }

        reference = new RegistryImageReference(text, host, path, tag, digest);
        error = null;
        return true;
    }
}

/// <summary>An image in an OCI image layout directory.</summary>
/// <param name="Text">As written.</param>
/// <param name="Directory">The layout directory.</param>
/// <param name="Tag">The <c>org.opencontainers.image.ref.name</c> to read or write, or <see langword="null"/>.</param>
public sealed record OciLayoutReference(string Text, string Directory, string? Tag) : ImageReference(Text);

/// <summary>An image in a docker-archive tarball (the format of <c>docker save</c>).</summary>
/// <param name="Text">As written.</param>
/// <param name="Path">The tarball.</param>
/// <param name="Name">The <c>NAME:TAG</c> to write into <c>RepoTags</c> or select when reading, or <see langword="null"/>.</param>
public sealed record DockerArchiveReference(string Text, string Path, string? Name) : ImageReference(Text);
