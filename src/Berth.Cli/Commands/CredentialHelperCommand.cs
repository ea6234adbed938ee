using System.CommandLine;
using System.Text;
using Berth.Client.Auth;
using Berth.Client.CredentialHelper;
using Berth.Client.Ecr;
using Berth.Client.IO;

namespace Berth.Cli.Commands;

/// <summary><c>berth credential-helper</c>: set up <c>docker-credential-berth</c> for podman and docker.</summary>
internal static class CredentialHelperCommand
{
    /// <summary>The credHelpers value that selects <c>docker-credential-berth</c>.</summary>
    public const string HelperSuffix = "berth";

    public static Command Create(CliContext context)
    {
        var command = new Command("credential-helper", $"The {DockerCredentialHelper.Name} credential helper: tokens that renew themselves, for podman and docker.");
        command.Subcommands.Add(Install(context));
        return command;
    }

    private static Command Install(CliContext context)
    {
        var registries = new Option<string[]>("--registry")
        {
            Description = "A registry host (host[:port]) to serve through the helper; repeatable",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var binDir = new Option<string?>("--bin-dir") { Description = "Where to put the docker-credential-berth shim [default: ~/.local/bin]" };
        var endpointUrl = new Option<string?>("--endpoint-url") { Description = "The ECR API that issues tokens for these registries (for Berth: the server's URL)" };
        var region = new Option<string?>("--region") { Description = "The region to sign for" };
        var profile = new Option<string?>("--profile") { Description = "The AWS profile whose credentials mint the tokens" };
        var authFile = new Option<string?>("--authfile") { Description = "podman's auth file [env: REGISTRY_AUTH_FILE; default: podman's]" };
        var dockerConfig = new Option<string?>("--docker-config") { Description = "docker's config directory [env: DOCKER_CONFIG; default: ~/.docker]" };
        var command = new Command(
            "install",
            "Put the docker-credential-berth shim on PATH, and for each --registry write credHelpers entries into podman's auth file and docker's config.json (and the endpoint, region and profile into berth's config.json).")
        {
            registries, binDir, endpointUrl, region, profile, authFile, dockerConfig,
        };

        command.SetAction(parse =>
        {
            try
            {
                return Run(
                    context,
                    parse.GetValue(registries) ?? [],
                    parse.GetValue(binDir),
                    new RegistryMintSettings(parse.GetValue(endpointUrl), parse.GetValue(region), parse.GetValue(profile)),
                    parse.GetValue(authFile),
                    parse.GetValue(dockerConfig));
            }
            catch (Exception e) when (e is AuthFileException or CredentialHelperException or AwsConfigurationException or IOException or UnauthorizedAccessException)
            {
                return LoginSupport.Fail(context, e.Message, ExitCodes.Failure);
            }
        });
        return command;
    }

    private static int Run(CliContext context, string[] registries, string? binDir, RegistryMintSettings settings, string? authFile, string? dockerConfig)
    {
        var hosts = new List<string>();
        foreach (var registry in registries)
        {
            var key = AuthKeys.Parse(registry);
            if (key.IsNamespaced)
            {
                return LoginSupport.Fail(context, $"--registry takes a registry host (host[:port]), not a repository: {registry}", ExitCodes.Failure);
            }

            hosts.Add(key.Registry);
        }

        if (settings.Endpoint is not null)
        {
            AwsSettingsResolver.ParseCommandLineEndpoint(settings.Endpoint);
        }

        var home = context.Environment("HOME");
        var directory = binDir ?? (home is null
            ? throw new CredentialHelperException(CredentialHelperError.Configuration, "$HOME is not set: pass --bin-dir")
            : Path.Combine(home, ".local", "bin"));
        var shim = WriteShim(directory);
        context.Out.WriteLine($"Installed {shim} (runs {BerthCommandLine()} {DockerCredentialHelper.Name}).");
        if (!OnPath(context, directory))
        {
            context.Error.WriteLine($"warning: {directory} is not on PATH; add it, or podman and docker cannot run {DockerCredentialHelper.Name}");
        }

        if (hosts.Count == 0)
        {
            return ExitCodes.Ok;
        }

        var paths = BerthUserPaths.Resolve(context.Environment);
        var hasSettings = settings != new RegistryMintSettings();
        foreach (var host in hosts)
        {
            // A host that is not an ECR name needs an entry even without options: it says "mint tokens for this host".
            if (hasSettings || EcrRegistryHost.TryParse(host) is null)
            {
                HelperConfig.SetRegistry(paths.ConfigFile, host, settings);
                context.Out.WriteLine($"{host}: tokens from {settings.Endpoint ?? $"https://{host}"}"
                    + $"{(settings.Region is null ? "" : $", region {settings.Region}")}{(settings.Profile is null ? "" : $", profile {settings.Profile}")} ({paths.ConfigFile})");
            }
        }

        var podmanFile = LoginSupport.Locations(context, authFile).WriteTarget;
        var dockerFile = Path.Combine(
            dockerConfig ?? context.Environment("DOCKER_CONFIG") ?? Path.Combine(home ?? throw new CredentialHelperException(CredentialHelperError.Configuration, "$HOME is not set: pass --docker-config"), ".docker"),
            "config.json");
        foreach (var (tool, file) in new[] { ("podman", podmanFile), ("docker", dockerFile) }.DistinctBy(f => Path.GetFullPath(f.Item2)))
        {
            new AuthFile(file).Update(document => hosts.Aggregate(false, (changed, host) => document.SetCredentialHelper(host, HelperSuffix) | changed));
            context.Out.WriteLine($"{tool}: credHelpers {string.Join(", ", hosts)} -> {DockerCredentialHelper.Name} ({file})");
        }

        return ExitCodes.Ok;
    }

    // A two-line script rather than a copy or a symlink: the berth executable finds its own files wherever it lives.
    private static string WriteShim(string directory)
    {
        var path = Path.Combine(directory, DockerCredentialHelper.Name);
        var script = $"""
            #!/bin/sh
            # {DockerCredentialHelper.Name}: the Docker credential-helper protocol, served by berth. Written by 'berth credential-helper install'.
            exec {BerthCommandLine()} {DockerCredentialHelper.Name} "$@"

            """;
        Directory.CreateDirectory(directory);
        PrivateFiles.WriteAtomically(
            path,
            Encoding.UTF8.GetBytes(script.ReplaceLineEndings("\n")),
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return path;
    }

    // The berth apphost next to berth.dll when there is one, else the dotnet host running berth.dll.
    private static string BerthCommandLine()
    {
        var dll = typeof(CredentialHelperCommand).Assembly.Location;
        var appHost = Path.Combine(Path.GetDirectoryName(dll)!, Path.GetFileNameWithoutExtension(dll));
        if (File.Exists(appHost))
        {
            return Quote(appHost);
        }

        var host = Environment.ProcessPath is { } process && Path.GetFileNameWithoutExtension(process) == "dotnet" ? process : "dotnet";
        return $"{Quote(host)} {Quote(dll)}";
    }

    private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static bool OnPath(CliContext context, string directory) =>
        (context.Environment("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(d => string.Equals(Path.GetFullPath(d).TrimEnd('/'), Path.GetFullPath(directory).TrimEnd('/'), StringComparison.Ordinal));
}
