using System.Globalization;

namespace Berth.Testing;

/// <summary>A private tmux server (own socket) that runs one command in a real terminal so tests can read the screen.</summary>
public sealed class Tmux : IAsyncDisposable
{
    private readonly string _tmux;
    private readonly string _socket;

    private Tmux(string tmux, string socket)
    {
        _tmux = tmux;
        _socket = socket;
    }

    /// <summary>Starts <paramref name="command"/> (a shell command line) in a detached session of the given size.</summary>
    public static async Task<Tmux> StartAsync(string directory, string command, int width = 160, int height = 40, CancellationToken cancellationToken = default)
    {
        var tmux = new Tmux(RealClients.Require("tmux"), Path.Combine(directory, "tmux.sock"));
        var result = await ProcessRunner.RunAsync(
            tmux._tmux,
            ["-S", tmux._socket, "new-session", "-d", "-s", "berth", "-x", width.ToString(CultureInfo.InvariantCulture), "-y", height.ToString(CultureInfo.InvariantCulture), command],
            cancellationToken: cancellationToken);
        return result.ExitCode == 0 ? tmux : throw new InvalidOperationException($"tmux new-session failed: {result}");
    }

    /// <summary>The visible screen as text.</summary>
    public async Task<string> CaptureAsync(CancellationToken cancellationToken = default) =>
        (await ProcessRunner.RunAsync(_tmux, ["-S", _socket, "capture-pane", "-p", "-t", "berth"], cancellationToken: cancellationToken)).StandardOutput;

    /// <summary>Captures the screen until it contains <paramref name="text"/>; returns every distinct screen seen.</summary>
    public async Task<IReadOnlyList<string>> WaitForAsync(string text, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var screens = new List<string>();
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var screen = await CaptureAsync(cancellationToken);
            if (screens.Count == 0 || screens[^1] != screen)
            {
                screens.Add(screen);
            }

            if (screen.Contains(text, StringComparison.Ordinal))
            {
                return screens;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the terminal never showed \"{text}\"; last screen:\n{screen}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync() =>
        await ProcessRunner.RunAsync(_tmux, ["-S", _socket, "kill-server"]);
}
