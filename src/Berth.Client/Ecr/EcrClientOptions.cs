using Amazon.Runtime;

namespace Berth.Client.Ecr;

/// <summary>Where and as whom an <see cref="EcrClient"/> calls the ECR API.</summary>
public sealed record EcrClientOptions
{
    /// <summary>The API endpoint, e.g. <c>http://127.0.0.1:5000</c> or <see cref="EcrEndpoints.Default"/> for AWS.</summary>
    public required Uri Endpoint { get; init; }

    /// <summary>The region of the SigV4 scope.</summary>
    public required string Region { get; init; }

    /// <summary>The credentials; asked for fresh values before every attempt, so refreshing credentials work.</summary>
    public required AWSCredentials Credentials { get; init; }

    /// <summary>The clock for <c>X-Amz-Date</c> and retry delays.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Attempts per call, the first included (botocore's legacy mode: 5).</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>The retry delay before attempt <c>n + 1</c> is a random fraction of <c>RetryBaseDelay * 2^(n-1)</c>.</summary>
    /// <remarks>botocore uses one second; a shorter base keeps a CLI responsive. <see cref="TimeSpan.Zero"/> retries at once.</remarks>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long one attempt may take before it fails as a read timeout (botocore: 60 s).</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
