using System.CommandLine;
using Berth.Registry;
using Berth.Registry.Lifecycle;
using Berth.Server.Audit;
using Berth.Server.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Cli.Commands;

/// <summary><c>berth admin</c>: operator tasks on a data directory.</summary>
internal static class AdminCommand
{
    public static Command Create(CliContext context)
    {
        var admin = new Command("admin", "Operator tasks.");
        admin.Subcommands.Add(RotateKey(context));
        admin.Subcommands.Add(RunLifecycle(context));
        AdminIamCommands.AddTo(admin, context);
        admin.Subcommands.Add(AdminAuditCommand.Create(context, DataDirOption(context)));
        return admin;
    }

    // Works on the metadata directly (SQLite lets a running server carry on beside it), so it needs no credentials.
    private static Command RunLifecycle(CliContext context)
    {
        var dataDir = DataDirOption(context);
        var command = new Command("run-lifecycle", "Enforce every repository's lifecycle policy now, as the server's background job does.") { dataDir };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var root = Path.GetFullPath(parse.GetValue(dataDir)!);
            if (!File.Exists(DataDirectory.MetadataPath(root)))
            {
                context.Error.WriteLine($"Error: no metadata in {root}: run 'berth serve --data-dir {root}' once first");
                return ExitCodes.Failure;
            }

            var store = DataDirectory.OpenMetadata(root);
            using var audit = new FileAuditLog(root, context.Time);
            var lifecycle = new LifecycleService(store, store, store, new RegistryOptions(), context.Time, NullLogger<LifecycleService>.Instance, audit);
            var expired = await lifecycle.EnforceAsync(cancellationToken);
            foreach (var (repository, expiry) in expired)
            {
                var tags = expiry.Image.Tags.Count == 0 ? "untagged" : "tags " + string.Join(",", expiry.Image.Tags.Order(StringComparer.Ordinal));
                context.Out.WriteLine($"expired {repository}@{expiry.Image.Digest} ({tags}; rule {expiry.Rule.RulePriority}; pushed {expiry.Image.PushedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z)");
            }

            context.Out.WriteLine($"Lifecycle run: {expired.Count} image(s) expired in {expired.Select(e => e.Repository).Distinct().Count()} repositories.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Option<string> DataDirOption(CliContext context) => new("--data-dir")
    {
        Description = "The server's data directory [env: BERTH_DATA_DIR]",
        DefaultValueFactory = _ => context.Environment("BERTH_DATA_DIR") ?? "berth-data",
    };

    // Works on the shared key ring directly; running servers notice the change and seal with the new key, while
    // tokens sealed by older keys keep validating until they expire.
    private static Command RotateKey(CliContext context)
    {
        var dataDir = DataDirOption(context);
        var command = new Command("rotate-key", "Generate a new master key for sealing tokens; older keys keep opening tokens until they expire.") { dataDir };
        command.SetAction(parse =>
        {
            var root = Path.GetFullPath(parse.GetValue(dataDir)!);
            if (!File.Exists(DataDirectory.KeyRingPath(root)))
            {
                context.Error.WriteLine($"Error: no key ring in {root}: run 'berth serve --data-dir {root}' once first");
                return ExitCodes.Failure;
            }

            var ring = DataDirectory.OpenKeyRing(root, context.Time);
            var previous = ring.Current.Id;
            var key = ring.Rotate();
            context.Out.WriteLine($"Rotated the master key: {previous} -> {key.Id}. New tokens are sealed with {key.Id}; tokens sealed with {previous} stay valid until they expire.");
            return ExitCodes.Ok;
        });
        return command;
    }
}
