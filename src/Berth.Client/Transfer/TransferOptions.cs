using Berth.Client.Auth;

namespace Berth.Client.Transfer;

/// <summary>How a copy talks to registries and how hard it works.</summary>
public sealed record TransferOptions
{
    /// <summary>Whether to verify TLS certificates and insist on https (podman's <c>--tls-verify</c>); with
    /// <see langword="false"/> https is tried first and plain http is the fallback, as podman does.</summary>
    public bool TlsVerify { get; init; } = true;

    /// <summary>The auth files to read credentials from, in podman's order.</summary>
    public required AuthFileLocations AuthFiles { get; init; }

    /// <summary>Environment lookup (PATH for credential helpers, XDG and AWS variables).</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>The clock (token expiry checks).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>How many blobs move at once.</summary>
    public int Jobs { get; init; } = 4;

    /// <summary>Bytes per upload PATCH; an interrupted upload resumes at the offset the registry reports.</summary>
    public long ChunkSize { get; init; } = 64L * 1024 * 1024;

    /// <summary>When the source is an index, copy only the image for this platform (<c>os/arch[/variant]</c>).</summary>
    public string? Platform { get; init; }

    /// <summary>How long to keep retrying a registry that stopped answering mid-upload before giving up.</summary>
    public TimeSpan RetryBudget { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Limit for each HTTP request that is not a blob body.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
