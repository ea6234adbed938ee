using Berth.Testing;

namespace Berth.Server.Tests.Conformance;

/// <summary>One create-on-push server and an admin client shared by a test class; each test works in its own repository.</summary>
public sealed class OciServerFixture : IAsyncLifetime
{
    public BerthTestServer Server { get; private set; } = null!;

    internal OciClient Client { get; private set; } = null!;

    /// <summary>A repository name no other test uses (two components, as most real names have).</summary>
    public static string NewRepository() => $"conformance/r{Guid.NewGuid():N}"[..28];

    public async ValueTask InitializeAsync()
    {
        Server = await BerthTestServer.StartAsync(o => o with { Registry = o.Registry with { CreateOnPush = true } });
        Client = await OciClient.CreateAsync(Server);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();

        // OciClient fails a test on any 5xx it sees; this also catches one nobody saw (a request whose client went away).
        var unhandled = Server.Logs.Lines.Where(l => l.Contains("Unhandled failure", StringComparison.Ordinal)).ToList();
        Assert.True(unhandled.Count == 0, string.Join('\n', unhandled));
    }
}
