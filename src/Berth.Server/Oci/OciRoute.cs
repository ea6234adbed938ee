using System.Text.RegularExpressions;
using Berth.Protocol;
using Berth.Registry;

namespace Berth.Server.Oci;

/// <summary>What a <c>/v2/…</c> path addresses.</summary>
internal enum OciRouteKind
{
    Catalog,
    Blob,
    UploadStart,
    Upload,
    Manifest,
    TagList,
    Referrers,
}

/// <summary>A parsed <c>/v2/&lt;name&gt;/…</c> path.</summary>
/// <param name="Kind">The endpoint family.</param>
/// <param name="Repository">The repository name (validated).</param>
/// <param name="Reference">Digest, tag, or upload id, depending on <paramref name="Kind"/>.</param>
internal sealed partial record OciRoute(OciRouteKind Kind, string Repository, string Reference)
{
    /// <summary>The digest of a blob or referrers route.</summary>
    public Digest Digest => Digest.TryParse(Reference, out var digest)
        ? digest
        : throw new RegistryException(RegistryError.DigestInvalid, $"invalid digest '{Reference}'");

    // Repository names contain '/', so the name is everything before the last endpoint keyword.
    public static OciRoute? TryParse(string path)
    {
        if (path == "_catalog")
        {
            return new OciRoute(OciRouteKind.Catalog, "", "");
        }

        var match = PathPattern().Match(path);
        if (!match.Success)
        {
            return null;
        }

        var name = match.Groups["name"].Value;
        var rest = match.Groups["rest"].Value;
        if (!RepositoryName.IsValid(name))
        {
            throw new RegistryException(RegistryError.NameInvalid, $"invalid repository name '{name}'");
        }

        return match.Groups["kind"].Value switch
        {
            "blobs/uploads" => rest.Length == 0 ? new OciRoute(OciRouteKind.UploadStart, name, "") : new OciRoute(OciRouteKind.Upload, name, rest),
            "blobs" when rest.Length > 0 => new OciRoute(OciRouteKind.Blob, name, rest),
            "manifests" when rest.Length > 0 => new OciRoute(OciRouteKind.Manifest, name, rest),
            "tags" when rest == "list" => new OciRoute(OciRouteKind.TagList, name, ""),
            "referrers" when rest.Length > 0 => new OciRoute(OciRouteKind.Referrers, name, rest),
            _ => null,
        };
    }

    [GeneratedRegex(@"^(?<name>.+)/(?<kind>blobs/uploads|blobs|manifests|tags|referrers)/(?<rest>[^/]*)$")]
    private static partial Regex PathPattern();
}
