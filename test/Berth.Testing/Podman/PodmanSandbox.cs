using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Berth.Testing.Podman;

/// <summary>
/// Runs the real podman and skopeo against a private work directory, so a test never reads or writes the machine's own
/// podman state (images, auth.json, caches, locks, networks).
/// </summary>
/// <remarks>
/// <para>What is redirected, and why (see shared/reference/podman-notes.md, "Isolation"):</para>
/// <list type="bullet">
/// <item><c>CONTAINERS_STORAGE_CONF</c>: the vfs driver with graphroot and runroot in the work directory (no overlay
/// mounts; cleanup is a recursive delete).</item>
/// <item><c>CONTAINERS_CONF</c> (when set, the only containers.conf read): <c>tmp_dir</c> (else <c>/run/libpod</c>),
/// <c>lock_type="file"</c> (else rootful podman creates the SHM segment <c>/dev/shm/libpod_lock</c>, which the notes do
/// not mention but strace shows on every call), <c>events_logger="none"</c>, <c>image_copy_tmp_dir</c> (else
/// <c>/var/tmp</c>), <c>cgroup_manager="cgroupfs"</c>, and CNI with a private <c>network_config_dir</c> (rootful
/// netavark always creates <c>/run/containers/networks</c>).</item>
/// <item><c>CONTAINERS_REGISTRIES_CONF</c>: no unqualified-search registries; <c>TMPDIR</c>, <c>HOME</c> and the XDG
/// config/data/cache directories point into the sandbox; <c>XDG_RUNTIME_DIR</c> is unset.</item>
/// <item>A private policy.json (insecureAcceptAnything), passed as <c>--signature-policy</c> to podman push/pull/build
/// and <c>--policy</c> to skopeo; it is also <c>$HOME/.config/containers/policy.json</c>, which containers/image reads
/// before <c>/etc/containers/policy.json</c>.</item>
/// <item><c>--authfile</c> <see cref="AuthFile"/> is added to every podman/skopeo subcommand that takes it, unless the
/// caller passes one; <c>REGISTRY_AUTH_FILE</c> names the same file as a safety net, so a forgotten flag can never
/// fall back to <c>/run/containers/0/auth.json</c>.</item>
/// <item>Rootful podman and skopeo write <c>/var/lib/containers/cache/blob-info-cache-v1.boltdb</c> whatever
/// storage.conf says. Every call therefore runs as <c>unshare --mount --propagation private /bin/sh enter.sh …</c>,
/// and the wrapper bind-mounts <see cref="BlobInfoCacheDirectory"/> over that directory before exec'ing the program.
/// When the directory does not exist on the host, the nearest existing parent is covered with an empty tmpfs first,
/// so the host's <c>/var/lib</c> is never written. <c>mount -n</c> keeps mount(8) from creating <c>/run/mount</c>.</item>
/// </list>
/// <para>Not isolated: subcommands that start the OCI runtime (<c>info</c>, <c>run</c>, <c>create</c>, <c>start</c>,
/// <c>exec</c>) make crun create <c>/run/crun</c>, so <see cref="RunPodmanAsync"/> refuses them. Login, logout,
/// <c>login --get-login</c>, build (COPY/LABEL only), push to an <c>oci:</c> layout, skopeo copy, images and rmi were
/// audited with strace and write nothing outside the work directory (pull from a registry was not: Berth serves no
/// manifests yet).</para>
/// <para>Arguments always travel as an argv list and secrets only on standard input; nothing is interpolated into a
/// shell command line. Needs Linux and root (for the mount namespace); otherwise the test is skipped with the reason,
/// or fails when <c>BERTH_REQUIRE_REAL_CLIENTS=1</c>.</para>
/// </remarks>
public sealed class PodmanSandbox : IDisposable
{
    /// <summary>The wrapper run inside the private mount namespace; its arguments are data, never script text.</summary>
    private const string EnterScript = """
        # Written by Berth.Testing.Podman.PodmanSandbox. Runs inside `unshare --mount --propagation private`:
        #   /bin/sh enter.sh BLOBCACHE PROGRAM [ARGS...]
        # As root, podman and skopeo write /var/lib/containers/cache/blob-info-cache-v1.boltdb whatever storage.conf
        # says, so that directory is replaced by BLOBCACHE. The mounts exist only in this private namespace; -n keeps
        # mount(8) from writing /run/mount/utab on the host.
        set -eu
        cache=$1
        shift
        target=/var/lib/containers/cache
        if [ ! -d "$target" ]; then
          # Never create it on the host: cover the nearest existing parent with an empty tmpfs first.
          if [ -d /var/lib/containers ]; then shadow=/var/lib/containers; else shadow=/var/lib; fi
          mount -n -t tmpfs -o mode=0755 berth-podman-sandbox "$shadow"
          mkdir -p "$target"
        fi
        mount -n --bind "$cache" "$target"
        exec "$@"

        """;

    private static readonly FrozenSet<string> PodmanAuthFileCommands = FrozenSet.ToFrozenSet(["login", "logout", "push", "pull", "build", "search"], StringComparer.Ordinal);

    /// <summary>Subcommands that start the OCI runtime: crun then creates <c>/run/crun</c> and a transient
    /// <c>/tmp/crun.*</c> on the host (strace, <c>podman info</c>), which no setting here redirects.</summary>
    private static readonly FrozenSet<string> PodmanRuntimeCommands = FrozenSet.ToFrozenSet(["info", "run", "create", "start", "exec"], StringComparer.Ordinal);

    private static readonly FrozenSet<string> PodmanPolicyCommands = FrozenSet.ToFrozenSet(["push", "pull", "build"], StringComparer.Ordinal);
    private static readonly FrozenSet<string> SkopeoAuthFileCommands = FrozenSet.ToFrozenSet(["login", "logout", "copy", "inspect", "list-tags", "delete", "sync"], StringComparer.Ordinal);

    private readonly TempDirectory _work;
    private readonly string _unshare;
    private readonly string _enterScript;
    private readonly Dictionary<string, string?> _environment;
    private string? _skopeo;

    private PodmanSandbox(TempDirectory work, string podman, string unshare)
    {
        _work = work;
        _unshare = unshare;
        PodmanPath = podman;
        AuthFile = work.Combine("auth.json");
        PolicyFile = work.Combine("policy.json");
        BlobInfoCacheDirectory = work.Combine("blobcache");
        GraphRoot = work.Combine("storage", "graph");
        RunRoot = work.Combine("storage", "run");
        _enterScript = work.Combine("enter.sh");

        var home = work.Combine("home");
        var tmp = work.Combine("tmp");
        var libpodTmp = work.Combine("libpod-tmp");
        var imageCopyTmp = work.Combine("image-copy-tmp");
        var networks = work.Combine("cni");
        var userConfig = Path.Combine(home, ".config");
        foreach (var directory in new[] { home, tmp, libpodTmp, imageCopyTmp, networks, BlobInfoCacheDirectory, GraphRoot, RunRoot, Path.Combine(userConfig, "containers") })
        {
            Directory.CreateDirectory(directory);
        }

        var storageConf = work.Combine("storage.conf");
        File.WriteAllText(storageConf, $"""
            [storage]
            driver = "vfs"
            graphroot = {Toml(GraphRoot)}
            runroot = {Toml(RunRoot)}

            """);

        var containersConf = work.Combine("containers.conf");
        File.WriteAllText(containersConf, $"""
            [engine]
            tmp_dir = {Toml(libpodTmp)}
            lock_type = "file"
            events_logger = "none"
            image_copy_tmp_dir = {Toml(imageCopyTmp)}
            cgroup_manager = "cgroupfs"

            [network]
            network_backend = "cni"
            network_config_dir = {Toml(networks)}

            """);

        var registriesConf = work.Combine("registries.conf");
        File.WriteAllText(registriesConf, "unqualified-search-registries = []\n");

        const string Policy = """{"default":[{"type":"insecureAcceptAnything"}]}""" + "\n";
        File.WriteAllText(PolicyFile, Policy);
        File.WriteAllText(Path.Combine(userConfig, "containers", "policy.json"), Policy);
        File.WriteAllText(_enterScript, EnterScript.ReplaceLineEndings("\n"));

        _environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["CONTAINERS_STORAGE_CONF"] = storageConf,
            ["CONTAINERS_CONF"] = containersConf,
            ["CONTAINERS_REGISTRIES_CONF"] = registriesConf,
            ["REGISTRY_AUTH_FILE"] = AuthFile,
            ["TMPDIR"] = tmp,
            ["HOME"] = home,
            ["XDG_CONFIG_HOME"] = userConfig,
            ["XDG_DATA_HOME"] = Path.Combine(home, ".local", "share"),
            ["XDG_CACHE_HOME"] = Path.Combine(home, ".cache"),
            ["XDG_RUNTIME_DIR"] = null,
            ["DOCKER_CONFIG"] = null,
            ["CONTAINER_HOST"] = null,
            ["CONTAINER_CONNECTION"] = null,
            ["STORAGE_DRIVER"] = null,
            ["STORAGE_OPTS"] = null,
            ["BUILDAH_FORMAT"] = null,
            ["BUILDAH_LAYERS"] = null,
            ["BUILDAH_ISOLATION"] = null,
        };
    }

    /// <summary>The work directory; everything podman and skopeo write lives below it.</summary>
    public string WorkDirectory => _work.Path;

    /// <summary>The auth file every call uses (podman creates it on the first successful login).</summary>
    public string AuthFile { get; }

    /// <summary>The private signature policy (insecureAcceptAnything).</summary>
    public string PolicyFile { get; }

    /// <summary>What the calls see as <c>/var/lib/containers/cache</c>.</summary>
    public string BlobInfoCacheDirectory { get; }

    public string GraphRoot { get; }

    public string RunRoot { get; }

    public string PodmanPath { get; }

    /// <summary>The environment changes applied to every call (null removes a variable).</summary>
    public IReadOnlyDictionary<string, string?> Environment => _environment;

    /// <summary>Sets (or, with <see langword="null"/>, removes) a variable for every later call, e.g. a <c>PATH</c> that
    /// holds a credential helper, or the AWS variables that helper reads.</summary>
    public void SetEnvironment(string name, string? value) => _environment[name] = value;

    /// <summary>Creates a sandbox, or skips the test (fails it with <c>BERTH_REQUIRE_REAL_CLIENTS=1</c>) when podman,
    /// root or a private mount namespace is not available.</summary>
    public static async Task<PodmanSandbox> CreateAsync(CancellationToken cancellationToken = default)
    {
        var podman = RealClients.Require("podman");
        if (!OperatingSystem.IsLinux())
        {
            Unavailable("the podman sandbox needs Linux mount namespaces");
        }

        if (!System.Environment.IsPrivilegedProcess)
        {
            Unavailable("the podman sandbox must run as root: rootful podman's blob-info cache is redirected with a bind mount in a private mount namespace (unshare --mount)");
        }

        var unshare = RealClients.Find("unshare");
        if (unshare is null || RealClients.Find("mount") is null)
        {
            Unavailable("the podman sandbox needs unshare(1) and mount(8) from util-linux");
        }

        var sandbox = new PodmanSandbox(TempDirectory.Create("berth-podman-"), podman, unshare);
        try
        {
            var probe = await sandbox.RunAsync(RealClients.Find("true") ?? "/bin/true", [], null, TimeSpan.FromSeconds(30), cancellationToken);
            if (probe.ExitCode != 0)
            {
                Unavailable($"unshare --mount with a bind mount over /var/lib/containers/cache failed ({probe.ExitCode}): {probe.StandardError.Trim()}");
            }
        }
        catch
        {
            sandbox.Dispose();
            throw;
        }

        return sandbox;
    }

    /// <summary>Runs <c>podman ARGS</c>; adds <c>--authfile</c> (and <c>--signature-policy</c> for push, pull and
    /// build) right after the subcommand unless <paramref name="arguments"/> already has it.</summary>
    /// <remarks>The subcommand is the first argument that does not start with <c>-</c>, so global flags before it must
    /// use the <c>--flag=value</c> form (<c>--log-level=debug</c>).</remarks>
    public Task<ProcessResult> RunPodmanAsync(
        IReadOnlyList<string> arguments, string? standardInput = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var subcommand = arguments.FirstOrDefault(a => !a.StartsWith('-'));
        if (subcommand is not null && PodmanRuntimeCommands.Contains(subcommand))
        {
            throw new NotSupportedException($"'podman {subcommand}' starts the OCI runtime, and crun writes /run/crun outside the sandbox.");
        }

        var extra = new List<string>();
        if (subcommand is not null && PodmanAuthFileCommands.Contains(subcommand) && !HasFlag(arguments, "--authfile"))
        {
            extra.AddRange(["--authfile", AuthFile]);
        }

        if (subcommand is not null && PodmanPolicyCommands.Contains(subcommand) && !HasFlag(arguments, "--signature-policy"))
        {
            extra.AddRange(["--signature-policy", PolicyFile]);
        }

        return RunAsync(PodmanPath, InsertAfter(arguments, subcommand, extra), standardInput, timeout, cancellationToken);
    }

    /// <summary>Runs <c>skopeo --policy P ARGS</c>; adds <c>--authfile</c> after the subcommands that take it unless
    /// <paramref name="arguments"/> already has one.</summary>
    public Task<ProcessResult> RunSkopeoAsync(
        IReadOnlyList<string> arguments, string? standardInput = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        _skopeo ??= RealClients.Require("skopeo");
        var subcommand = arguments.FirstOrDefault(a => !a.StartsWith('-'));
        var extra = subcommand is not null && SkopeoAuthFileCommands.Contains(subcommand) && !HasFlag(arguments, "--authfile")
            && !HasFlag(arguments, "--src-authfile") && !HasFlag(arguments, "--dest-authfile")
            ? new List<string> { "--authfile", AuthFile }
            : [];
        var global = HasFlag(arguments, "--policy") ? [] : new[] { "--policy", PolicyFile };
        return RunAsync(_skopeo, [.. global, .. InsertAfter(arguments, subcommand, extra)], standardInput, timeout, cancellationToken);
    }

    /// <summary>Writes an empty auth file (mode 0600) if there is none: podman push, pull and logout refuse a missing
    /// <c>--authfile</c>, and only login creates it.</summary>
    public void EnsureAuthFile()
    {
        if (!File.Exists(AuthFile))
        {
            File.WriteAllText(AuthFile, "{\"auths\":{}}\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(AuthFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
    }

    /// <summary>The <c>auths[registry].auth</c> value of <see cref="AuthFile"/>, or null when the file or entry is missing.</summary>
    public string? ReadStoredAuth(string registry)
    {
        if (!File.Exists(AuthFile))
        {
            return null;
        }

        using var json = JsonDocument.Parse(File.ReadAllBytes(AuthFile));
        return json.RootElement.TryGetProperty("auths", out var auths)
            && auths.TryGetProperty(registry, out var entry)
            && entry.TryGetProperty("auth", out var auth)
                ? auth.GetString()
                : null;
    }

    public void Dispose() => _work.Dispose();

    private Task<ProcessResult> RunAsync(
        string program, IEnumerable<string> arguments, string? standardInput, TimeSpan? timeout, CancellationToken cancellationToken) =>
        ProcessRunner.RunAsync(
            _unshare,
            ["--mount", "--propagation", "private", "/bin/sh", _enterScript, BlobInfoCacheDirectory, program, .. arguments],
            _environment,
            standardInput,
            timeout,
            WorkDirectory,
            cancellationToken);

    private static List<string> InsertAfter(IReadOnlyList<string> arguments, string? subcommand, List<string> extra)
    {
        var result = arguments.ToList();
        if (subcommand is not null && extra.Count > 0)
        {
            result.InsertRange(result.IndexOf(subcommand) + 1, extra);
        }

        return result;
    }

    private static bool HasFlag(IEnumerable<string> arguments, string flag) =>
        arguments.Any(a => a == flag || a.StartsWith(flag + "=", StringComparison.Ordinal));

    private static string Toml(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    [DoesNotReturn]
    private static void Unavailable(string reason)
    {
        if (RealClients.Required)
        {
            Assert.Fail($"BERTH_REQUIRE_REAL_CLIENTS=1 but {reason}.");
        }

        Assert.Skip(reason);
    }
}
