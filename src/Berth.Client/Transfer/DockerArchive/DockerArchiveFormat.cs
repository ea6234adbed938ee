using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Berth.Protocol;

namespace Berth.Client.Transfer.DockerArchive;

/// <summary>One image of a docker-archive's <c>manifest.json</c>.</summary>
/// <param name="Config">The config file's path in the tarball.</param>
/// <param name="RepoTags">The <c>NAME:TAG</c>s it was saved under (possibly none).</param>
/// <param name="Layers">The layer files' paths, base layer first.</param>
internal sealed record ArchiveImage(string Config, IReadOnlyList<string> RepoTags, IReadOnlyList<string> Layers);

/// <summary>The parts of the <c>docker save</c> format both the source and the destination need.</summary>
internal static class DockerArchiveFormat
{
    public const string ManifestFile = "manifest.json";
    public const string RepositoriesFile = "repositories";
    public const string OciConfig = "application/vnd.oci.image.config.v1+json";
    public const string DockerConfig = "application/vnd.docker.container.image.v1+json";
    public const string OciLayer = "application/vnd.oci.image.layer.v1.tar";
    public const string OciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
    public const string OciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
    public const int BlockSize = 512;

    /// <summary>Parses <c>manifest.json</c>.</summary>
    /// <exception cref="TransferException">It is not the docker-archive shape.</exception>
    public static List<ArchiveImage> ParseManifest(ReadOnlySpan<byte> json, string archive)
    {
        try
        {
            using var document = JsonDocument.Parse(json.ToArray());
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new TransferException($"{archive}: manifest.json is not a list of images");
            }

            var images = new List<ArchiveImage>();
            foreach (var item in document.RootElement.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object
                    || !item.TryGetProperty("Config", out var config) || config.ValueKind != JsonValueKind.String
                    || !item.TryGetProperty("Layers", out var layers) || layers.ValueKind != JsonValueKind.Array)
                {
                    throw new TransferException($"{archive}: manifest.json entry {images.Count} has no Config or Layers");
                }

                var tags = item.TryGetProperty("RepoTags", out var repoTags) && repoTags.ValueKind == JsonValueKind.Array
                    ? repoTags.EnumerateArray().Select(t => t.GetString() ?? "").Where(t => t.Length > 0).ToList()
                    : [];
                var layerPaths = layers.EnumerateArray()
                    .Select(l => l.ValueKind == JsonValueKind.String ? l.GetString()! : throw new TransferException($"{archive}: manifest.json entry {images.Count} has a layer that is not a path"))
                    .ToList();
                images.Add(new ArchiveImage(config.GetString()!, tags, layerPaths));
            }

            return images;
        }
        catch (JsonException e)
        {
            throw new TransferException($"{archive}: manifest.json is not valid JSON: {e.Message}");
        }
    }

    /// <summary>Serializes one image as <c>manifest.json</c>.</summary>
    public static byte[] SerializeManifest(ArchiveImage image)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            json.WriteStartObject();
            json.WriteString("Config", image.Config);
            json.WriteStartArray("RepoTags");
            foreach (var tag in image.RepoTags)
            {
                json.WriteStringValue(tag);
            }

            json.WriteEndArray();
            json.WriteStartArray("Layers");
            foreach (var layer in image.Layers)
            {
                json.WriteStringValue(layer);
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
        }

        return buffer.ToArray();
    }

    /// <summary>Serializes the legacy <c>repositories</c> file: <c>{"NAME":{"TAG":"TOP-LAYER-ID"}}</c>.</summary>
    public static byte[] SerializeRepositories(string repository, string tag, string topLayerId)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject(repository);
            json.WriteString(tag, topLayerId);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Splits <c>NAME[:TAG]</c> into repository and tag (<c>latest</c> when absent), as docker does.</summary>
    public static (string Repository, string Tag) SplitName(string name)
    {
        var slash = name.LastIndexOf('/');
        var colon = name.LastIndexOf(':');
        return colon > slash ? (name[..colon], name[(colon + 1)..]) : (name, "latest");
    }

    /// <summary>The short form docker prints (<c>busybox:latest</c> for <c>docker.io/library/busybox</c>), so a
    /// name given either way selects the same image.</summary>
    public static string Familiar(string name)
    {
        var (repository, tag) = SplitName(name);
        if (repository.StartsWith("docker.io/", StringComparison.Ordinal))
        {
            repository = repository["docker.io/".Length..];
            if (repository.StartsWith("library/", StringComparison.Ordinal) && repository.IndexOf('/', "library/".Length) < 0)
            {
                repository = repository["library/".Length..];
            }
        }

        return $"{repository}:{tag}";
    }

    /// <summary>Whether a repository name is acceptable in <c>RepoTags</c>: an optional registry host (with a dot, a
    /// port or <c>localhost</c>) and a lower-case OCI repository path.</summary>
    public static bool IsValidRepository(string repository)
    {
        var slash = repository.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0)
        {
            var host = repository[..slash];
            if (host.Contains('.', StringComparison.Ordinal) || host.Contains(':', StringComparison.Ordinal) || host == "localhost")
            {
                return RepositoryName.IsValid(repository[(slash + 1)..]);
            }
        }

        return RepositoryName.IsValid(repository);
    }

    /// <summary>The layer media type for bytes stored as they are: by the gzip or zstd magic, else a plain tar.</summary>
    public static string LayerMediaType(ReadOnlySpan<byte> head) =>
        head.Length >= 2 && head[0] == 0x1f && head[1] == 0x8b ? OciLayerGzip
        : head.Length >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd ? OciLayerZstd
        : OciLayer;

    /// <summary>Whether a descriptor's media type names an image config (stored as <c>HEX.json</c>).</summary>
    public static bool IsConfigMediaType(string? mediaType) =>
        mediaType is OciConfig or DockerConfig
        || (mediaType is not null && mediaType.EndsWith("+json", StringComparison.Ordinal) && mediaType.Contains(".config.", StringComparison.Ordinal));

    /// <summary>Normalizes a path inside the tarball (<c>./a//b/../c</c> → <c>a/c</c>); <see langword="null"/> when it
    /// climbs above the root.</summary>
    public static string? NormalizePath(string path)
    {
        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part is "" or ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count == 0)
                {
                    return null;
                }

                parts.RemoveAt(parts.Count - 1);
                continue;
            }

            parts.Add(part);
        }

        return string.Join('/', parts);
    }

    /// <summary>The header block(s) of a regular file: one ustar block, preceded by a PAX extended header carrying
    /// the path when the name does not fit ustar's 100 bytes (a sha512 digest's hex).</summary>
    public static byte[] FileHeader(string name, long size)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        if (nameBytes.Length <= 100)
        {
            var block = new byte[BlockSize];
            WriteHeaderBlock(block, nameBytes, size, (byte)'0');
            return block;
        }

        // A PAX record is "LENGTH path=VALUE\n", LENGTH counting its own digits too.
        var body = $" path={name}\n";
        var length = Encoding.UTF8.GetByteCount(body);
        var total = length + 1;
        while (total.ToString(CultureInfo.InvariantCulture).Length + length != total)
        {
            total = total.ToString(CultureInfo.InvariantCulture).Length + length;
        }

        var record = Encoding.UTF8.GetBytes(total.ToString(CultureInfo.InvariantCulture) + body);
        var padded = (record.Length + BlockSize - 1) / BlockSize * BlockSize;
        var headers = new byte[BlockSize + padded + BlockSize];
        WriteHeaderBlock(headers.AsSpan(0, BlockSize), Encoding.ASCII.GetBytes("PaxHeaders/" + name[..Math.Min(name.Length, 80)]), record.Length, (byte)'x');
        record.CopyTo(headers, BlockSize);
        WriteHeaderBlock(headers.AsSpan(BlockSize + padded, BlockSize), nameBytes.AsSpan(0, 100), size, (byte)'0');
        return headers;
    }

    // A ustar header (mode 0644, owner 0, mtime 0 so the same image gives the same bytes). Sizes of 8 GiB and more use
    // the base-256 encoding that Go's archive/tar (docker, skopeo), GNU tar and .NET read.
    private static void WriteHeaderBlock(Span<byte> block, ReadOnlySpan<byte> name, long size, byte type)
    {
        block.Clear();
        name.CopyTo(block);
        WriteOctal(block.Slice(100, 8), Convert.ToInt64("644", 8));
        WriteOctal(block.Slice(108, 8), 0);
        WriteOctal(block.Slice(116, 8), 0);
        if (size < 1L << 33)
        {
            WriteOctal(block.Slice(124, 12), size);
        }
        else
        {
            block[124] = 0x80;
            BinaryPrimitives.WriteInt64BigEndian(block.Slice(128, 8), size);
        }

        WriteOctal(block.Slice(136, 12), 0);
        block[156] = type;
        "ustar\0"u8.CopyTo(block[257..]);
        "00"u8.CopyTo(block[263..]);

        // The checksum is computed with its own field as spaces, then stored as six octal digits, NUL, space.
        block.Slice(148, 8).Fill((byte)' ');
        var sum = 0;
        foreach (var b in block)
        {
            sum += b;
        }

        WriteOctal(block.Slice(148, 7), sum);
        block[155] = (byte)' ';
    }

    // width-1 zero-padded octal digits, then NUL.
    private static void WriteOctal(Span<byte> field, long value)
    {
        var digits = Convert.ToString(value, 8).PadLeft(field.Length - 1, '0');
        Encoding.ASCII.GetBytes(digits, field);
        field[^1] = 0;
    }
}
