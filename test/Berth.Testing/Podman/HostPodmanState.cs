using System.Globalization;

namespace Berth.Testing.Podman;

/// <summary>
/// A listing of the places where podman, skopeo and crun write host state when they are not isolated, so a test can
/// show that a <see cref="PodmanSandbox"/> run left them exactly as they were.
/// </summary>
public static class HostPodmanState
{
    /// <summary>Directories podman itself owns: the directory, and every entry directly in it, with mtime and size.</summary>
    private static readonly string[] OwnedDirectories =
    [
        "/var/lib/containers",
        "/var/lib/containers/cache",
        "/var/cache/containers",
        "/run/containers",
        "/run/containers/0",
        "/run/libpod",
        "/run/crun",
        "/run/mount",
        "/etc/containers/networks",
        "/etc/cni/net.d",
    ];

    /// <summary>Shared directories: only the entries whose names podman's tools would create.</summary>
    private static readonly (string Directory, string[] Prefixes)[] SharedDirectories =
    [
        ("/dev/shm", ["libpod"]),
        ("/var/tmp", ["container_images", "buildah", "storage", "podman"]),
    ];

    /// <summary>One line per path: absent, or its kind, mtime (ticks) and size.</summary>
    public static string Snapshot()
    {
        var lines = new List<string>();
        var home = Environment.GetEnvironmentVariable("HOME");
        var owned = home is null
            ? OwnedDirectories
            : [.. OwnedDirectories, Path.Combine(home, ".config", "containers"), Path.Combine(home, ".local", "share", "containers"), Path.Combine(home, ".docker")];
        foreach (var directory in owned)
        {
            lines.Add(Describe(directory));
            if (Directory.Exists(directory))
            {
                lines.AddRange(Directory.EnumerateFileSystemEntries(directory).Order(StringComparer.Ordinal).Select(Describe));
            }
        }

        foreach (var (directory, prefixes) in SharedDirectories)
        {
            if (Directory.Exists(directory))
            {
                lines.AddRange(Directory.EnumerateFileSystemEntries(directory)
                    .Where(path => prefixes.Any(prefix => Path.GetFileName(path).StartsWith(prefix, StringComparison.Ordinal)))
                    .Order(StringComparer.Ordinal)
                    .Select(Describe));
            }
        }

        return string.Join('\n', lines);
    }

    private static string Describe(string path)
    {
        if (Directory.Exists(path))
        {
            return string.Create(CultureInfo.InvariantCulture, $"{path} dir {Directory.GetLastWriteTimeUtc(path).Ticks}");
        }

        var info = new FileInfo(path);
        return info.Exists
            ? string.Create(CultureInfo.InvariantCulture, $"{path} file {info.LastWriteTimeUtc.Ticks} {info.Length}")
            : $"{path} absent";
    }
}
