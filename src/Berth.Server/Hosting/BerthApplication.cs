using Berth.Metadata.Sqlite;
using Berth.Registry.Blobs;
using Berth.Registry.Lifecycle;
using Berth.Registry.Images;
using Berth.Registry.Iam;
using Berth.Registry.Policies;
using Berth.Registry.Manifests;
using Berth.Registry.Metadata;
using Berth.Registry.Repositories;
using Berth.Registry.Storage;
using Berth.Storage.FileSystem;
using Berth.Registry.Security;
using Berth.Registry.Audit;
using Berth.Server.Audit;
using Berth.Server.Auth;
using Berth.Server.Ecr;
using Berth.Server.Errors;
using Berth.Server.Lifecycle;
using Berth.Server.Iam;
using Berth.Server.Oci;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Berth.Server.Hosting;

/// <summary>The composition root: <c>berth serve</c> and the integration tests build the server the same way.</summary>
public static class BerthApplication
{
    /// <summary>Builds the server: data directory, services, Kestrel on <see cref="BerthServerOptions.Listen"/>, routes.</summary>
    /// <param name="options">What to serve and where.</param>
    /// <param name="configure">Last word on services (tests swap in a <c>FakeTimeProvider</c>).</param>
    /// <param name="configureLogging">Where logs go; the default is one line per event on the console.</param>
    public static WebApplication Build(
        BerthServerOptions options,
        Action<IServiceCollection>? configure = null,
        Action<ILoggingBuilder>? configureLogging = null)
    {
        DataDirectory.Ensure(options.DataDirectory);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;

            // Blobs stream through without a size cap (layers reach tens of GiB); the ECR API and manifests cap their own bodies.
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Listen(options.Listen);
        });

        builder.Logging.ClearProviders();
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        if (configureLogging is null)
        {
            builder.Logging.AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.UseUtcTimestamp = true;
                console.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z' ";
            });
        }
        else
        {
            configureLogging(builder.Logging);
        }

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(options.Registry);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IKeyRing>(sp => DataDirectory.OpenKeyRing(options.DataDirectory, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(_ => DataDirectory.OpenMetadata(options.DataDirectory));
        services.AddSingleton<IPrincipalStore>(sp => sp.GetRequiredService<SqliteMetadataStore>());
        services.AddSingleton<IRepositoryStore>(sp => sp.GetRequiredService<SqliteMetadataStore>());
        services.AddSingleton<IBlobLinkStore>(sp => sp.GetRequiredService<SqliteMetadataStore>());
        services.AddSingleton<IManifestStore>(sp => sp.GetRequiredService<SqliteMetadataStore>());
        services.AddSingleton<IUploadSessionStore>(sp => sp.GetRequiredService<SqliteMetadataStore>());
        services.AddSingleton<IImageStore>(sp => sp.GetRequiredService<SqliteMetadataStore>());
        services.AddSingleton<IResourceTagStore>(sp => sp.GetRequiredService<SqliteMetadataStore>());
        services.AddSingleton<IBlobStore>(_ => new FileSystemBlobStore(Path.Combine(options.DataDirectory, "storage")));
        services.AddSingleton<RepositoryService>();
        services.AddSingleton<BlobService>();
        services.AddSingleton<ManifestService>();
        services.AddSingleton<ILifecycleStore>(sp => sp.GetRequiredService<SqliteMetadataStore>());
        services.TryAddSingleton<IAuditLog>(sp => new FileAuditLog(options.DataDirectory, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<LifecycleService>();
        services.AddHostedService<LifecycleWorker>();
        services.AddSingleton<ImageService>();
        services.AddSingleton<IPolicyStore>(sp => sp.GetRequiredService<SqliteMetadataStore>());
        services.AddSingleton<PolicyEvaluator>();
        services.TryAddSingleton<IAccessPolicy>(sp => sp.GetRequiredService<PolicyEvaluator>());
        services.AddSingleton<IamService>();
        services.AddSingleton<Authorizer>();
        services.AddSingleton<AccessKeys>();
        services.AddSingleton<ITokenService, TokenService>();
        services.AddSingleton<SigV4Verifier>();
        services.AddSingleton<AuthFailureThrottle>();
        services.AddExceptionHandler<RegistryExceptionHandler>();
        services.AddProblemDetails();
        configure?.Invoke(services);

        var app = builder.Build();

        // Open storage and metadata now, so a bad data directory fails at start, not on the first push.
        app.Services.GetRequiredService<IBlobStore>();
        app.Services.GetRequiredService<SqliteMetadataStore>();
        app.UseMiddleware<RequestLogging>();
        app.UseExceptionHandler();
        app.UseWhen(
            http => http.Request.Path.StartsWithSegments("/v2"),
            v2 => v2.UseMiddleware<RegistryAuthentication>());
        // The IAM Query API shares POST / with the ECR API; its form-encoded body tells it apart.
        app.UseWhen(http => IamEndpoints.IsIamRequest(http.Request), iam => iam.Run(IamEndpoints.HandleAsync));
        app.MapEcrApi();
        app.MapOciDistribution();
        return app;
    }

    /// <summary>Creates the bootstrap admin and its credentials file on first start; reports what exists otherwise.</summary>
    public static Task<BootstrapAdmin> EnsureBootstrapAdminAsync(this WebApplication app, CancellationToken cancellationToken)
    {
        var services = app.Services;
        var options = services.GetRequiredService<BerthServerOptions>();
        return DataDirectory.EnsureAdminAsync(
            options.DataDirectory,
            services.GetRequiredService<IPrincipalStore>(),
            services.GetRequiredService<AccessKeys>(),
            options.Registry,
            services.GetRequiredService<TimeProvider>(),
            cancellationToken);
    }

    /// <summary>The address Kestrel actually bound (useful with port 0).</summary>
    public static Uri BoundAddress(this WebApplication app) =>
        new(app.Urls.First());
}
