using Berth.Registry.Security;
using Berth.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Berth.Testing;

/// <summary>The real Berth app on Kestrel at 127.0.0.1:0 with a private data directory, built like <c>berth serve</c> builds it.</summary>
public sealed class BerthTestServer : IAsyncDisposable
{
    private readonly TempDirectory? _ownedData;
    private WebApplication _app = null!;

    private BerthTestServer(BerthServerOptions options, TempDirectory? ownedData)
    {
        Options = options;
        _ownedData = ownedData;
    }

    public BerthServerOptions Options { get; private set; }

    public ShiftableTimeProvider Time { get; } = new();

    public CapturedLogs Logs { get; } = new();

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary><c>127.0.0.1:PORT</c>, the registry name clients type.</summary>
    public string Host => BaseAddress.Authority;

    /// <summary><c>http://127.0.0.1:PORT</c>, the endpoint URL for the aws CLI.</summary>
    public string EndpointUrl => $"http://{Host}";

    public string DataDirectory => Options.DataDirectory;

    public BootstrapAdmin Admin { get; private set; } = null!;

    public string CredentialsFile => Admin.CredentialsFile;

    public string AccessKeyId { get; private set; } = "";

    public string SecretAccessKey { get; private set; } = "";

    public IServiceProvider Services => _app.Services;

    /// <summary>Starts a server; <paramref name="configure"/> may change any option but the listen address.</summary>
    public static async Task<BerthTestServer> StartAsync(
        Func<BerthServerOptions, BerthServerOptions>? configure = null, string? dataDirectory = null, CancellationToken cancellationToken = default)
    {
        var owned = dataDirectory is null ? TempDirectory.Create("berth-data-") : null;
        var options = new BerthServerOptions { DataDirectory = dataDirectory ?? owned!.Path, Listen = new(System.Net.IPAddress.Loopback, 0) };
        options = (configure ?? (o => o))(options) with { Listen = new(System.Net.IPAddress.Loopback, 0) };
        var server = new BerthTestServer(options, owned);
        await server.StartAppAsync(cancellationToken);
        return server;
    }

    /// <summary>Issues a registry password for the bootstrap admin without going through the API.</summary>
    public async Task<string> IssuePasswordAsync(CancellationToken cancellationToken = default)
    {
        var key = await Services.GetRequiredService<AccessKeys>().ResolveAsync(AccessKeyId, cancellationToken)
            ?? throw new InvalidOperationException("The bootstrap key does not resolve.");
        return Services.GetRequiredService<ITokenService>().Issue(key).Password;
    }

    /// <summary>Environment for an AWS client that uses the bootstrap credentials and nothing of the machine's.</summary>
    public IReadOnlyDictionary<string, string?> AwsEnvironment(string home) => new Dictionary<string, string?>
    {
        ["AWS_SHARED_CREDENTIALS_FILE"] = CredentialsFile,
        ["AWS_CONFIG_FILE"] = Path.Combine(home, "aws-config-none"),
        ["AWS_PROFILE"] = DataDirectoryProfile,
        ["AWS_ACCESS_KEY_ID"] = null,
        ["AWS_SECRET_ACCESS_KEY"] = null,
        ["AWS_SESSION_TOKEN"] = null,
        ["AWS_DEFAULT_REGION"] = null,
        ["AWS_REGION"] = null,
        ["AWS_ENDPOINT_URL"] = null,
        ["AWS_ENDPOINT_URL_ECR"] = null,
        ["AWS_EC2_METADATA_DISABLED"] = "true",
        ["HOME"] = home,
    };

    public const string DataDirectoryProfile = Server.Hosting.DataDirectory.Profile;

    /// <summary>Stops and starts the server on the same data directory (a new port).</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await _app.StopAsync(cancellationToken);
        await _app.DisposeAsync();
        await StartAppAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        _ownedData?.Dispose();
    }

    private async Task StartAppAsync(CancellationToken cancellationToken)
    {
        _app = BerthApplication.Build(
            Options,
            services => services.AddSingleton<TimeProvider>(Time),
            logging => logging.AddProvider(Logs));
        Admin = await _app.EnsureBootstrapAdminAsync(cancellationToken);
        await _app.StartAsync(cancellationToken);
        BaseAddress = _app.BoundAddress();
        var lines = File.ReadAllLines(CredentialsFile).Select(l => l.Split('=', 2, StringSplitOptions.TrimEntries)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        AccessKeyId = lines["aws_access_key_id"];
        SecretAccessKey = lines["aws_secret_access_key"];
    }
}

/// <summary>One server shared by the tests of a class.</summary>
public sealed class BerthServerFixture : IAsyncLifetime
{
    public BerthTestServer Server { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Server = await BerthTestServer.StartAsync();

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();
}
