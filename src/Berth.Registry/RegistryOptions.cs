namespace Berth.Registry;

/// <summary>Identity and token settings of one registry; every node of a deployment uses the same values.</summary>
public sealed record RegistryOptions
{
    /// <summary>The 12-digit account id in ARNs and host names.</summary>
    public string AccountId { get; init; } = "000000000000";

    /// <summary>The region in ARNs and host names.</summary>
    public string Region { get; init; } = "us-east-1";

    /// <summary>Lifetime of an authorization token.</summary>
    public TimeSpan TokenTtl { get; init; } = TimeSpan.FromHours(12);

    /// <summary>Create a repository on the first push to it (off by default, like ECR).</summary>
    public bool CreateOnPush { get; init; }

    /// <summary>The largest manifest accepted, in bytes (ECR: 4,194,304).</summary>
    public int MaxManifestBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>The ARN of a repository.</summary>
    public string RepositoryArn(string name) => $"arn:aws:ecr:{Region}:{AccountId}:repository/{name}";

    /// <summary>The ARN of a user in this registry's account.</summary>
    public string UserArn(string userName) => $"arn:aws:iam::{AccountId}:user/{userName}";
}
