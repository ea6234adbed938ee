using Berth.Cli;

return await BerthCli.RunAsync(args, CliContext.FromConsole());
