namespace Berth.Protocol;

/// <summary>The manifest media types a registry stores and serves.</summary>
public static class MediaTypes
{
    /// <summary>OCI image manifest.</summary>
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";

    /// <summary>OCI image index.</summary>
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";

    /// <summary>Docker image manifest v2 schema 2.</summary>
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";

    /// <summary>Docker manifest list.</summary>
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";

    /// <summary>Docker schema 1 (refused, as current ECR accepts no new schema 1 pushes in Berth).</summary>
    public const string DockerSchema1 = "application/vnd.docker.distribution.manifest.v1+json";

    /// <summary>Docker schema 1, signed.</summary>
    public const string DockerSchema1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws";

    /// <summary>True for an index or manifest list (children are manifests, not blobs).</summary>
    public static bool IsIndex(string mediaType) => mediaType is OciIndex or DockerManifestList;

    /// <summary>True for the four types Berth stores.</summary>
    public static bool IsSupportedManifest(string mediaType) =>
        mediaType is OciManifest or OciIndex or DockerManifest or DockerManifestList;
}
