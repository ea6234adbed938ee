using System.CommandLine;
using Berth.Server.Hosting;

namespace Berth.Cli.Commands;

/// <summary><c>berth admin</c>: operator tasks on a data directory.</summary>
internal static class AdminCommand
{
    public static Command Create(CliContext context)
    {
        var admin = new Command("admin", "Operator tasks.");
        admin.Subcommands.Add(RotateKey(context));
        AdminIamCommands.AddTo(admin, context);
        return admin;
    }

    // Works on the shared key ring directly; running servers notice the change and seal with the new key, while
    // tokens sealed by older keys keep validating until they expire.
    private static Command RotateKey(CliContext context)
    {
        var dataDir = new Option<string>("--data-dir")
        {
            Description = "The server's data directory [env: BERTH_DATA_DIR]",
            DefaultValueFactory = _ => context.Environment("BERTH_DATA_DIR") ?? "berth-data",
        };
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
