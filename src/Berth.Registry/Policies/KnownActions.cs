using System.Collections.Frozen;

namespace Berth.Registry.Policies;

/// <summary>The action names a policy may grant for the services Berth serves; a typo is refused, not silently ignored.</summary>
public static class KnownActions
{
    /// <summary>Every operation of the Amazon ECR API (botocore's ecr model, 2015-09-21: 58 operations), case as sent.</summary>
    public static readonly FrozenSet<string> EcrOperations = Words("""
        BatchCheckLayerAvailability BatchDeleteImage BatchGetImage BatchGetRepositoryScanningConfiguration
        CompleteLayerUpload CreatePullThroughCacheRule CreateRepository CreateRepositoryCreationTemplate
        DeleteLifecyclePolicy DeletePullThroughCacheRule DeleteRegistryPolicy DeleteRepository
        DeleteRepositoryCreationTemplate DeleteRepositoryPolicy DeleteSigningConfiguration
        DeregisterPullTimeUpdateExclusion DescribeImageReplicationStatus DescribeImageScanFindings
        DescribeImageSigningStatus DescribeImages DescribePullThroughCacheRules DescribeRegistry DescribeRepositories
        DescribeRepositoryCreationTemplates GetAccountSetting GetAuthorizationToken GetDownloadUrlForLayer
        GetLifecyclePolicy GetLifecyclePolicyPreview GetRegistryPolicy GetRegistryScanningConfiguration
        GetRepositoryPolicy GetSigningConfiguration InitiateLayerUpload ListImageReferrers ListImages
        ListPullTimeUpdateExclusions ListTagsForResource PutAccountSetting PutImage PutImageScanningConfiguration
        PutImageTagMutability PutLifecyclePolicy PutRegistryPolicy PutRegistryScanningConfiguration
        PutReplicationConfiguration PutSigningConfiguration RegisterPullTimeUpdateExclusion SetRepositoryPolicy
        StartImageScan StartLifecyclePolicyPreview TagResource UntagResource UpdateImageStorageClass
        UpdatePullThroughCacheRule UpdateRepositoryCreationTemplate UploadLayerPart ValidatePullThroughCacheRule
        """).ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Every Amazon ECR API action: the operations plus the two permission-only actions, so policies written for
    /// ECR validate.</summary>
    public static readonly FrozenSet<string> Ecr = Prefixed("ecr", [.. EcrOperations, "BatchImportUpstreamImage", "ReplicateImage"]);

    /// <summary>The IAM actions Berth's IAM API serves.</summary>
    public static readonly FrozenSet<string> Iam = Prefixed("iam", Words("""
        CreateUser GetUser ListUsers DeleteUser CreateAccessKey ListAccessKeys UpdateAccessKey DeleteAccessKey
        PutUserPolicy GetUserPolicy ListUserPolicies DeleteUserPolicy
        """));

    /// <summary>Why <paramref name="pattern"/> is not an acceptable action, or <see langword="null"/> if it is.</summary>
    /// <remarks>
    /// <c>*</c> is any action. For <c>ecr:</c> and <c>iam:</c> the pattern must match at least one known action
    /// (case-insensitively, wildcards allowed). Other services' actions are accepted, as IAM accepts them, and never
    /// match anything here: a policy copied from an AWS account keeps working.
    /// </remarks>
    public static string? Validate(string pattern)
    {
        if (pattern == "*")
        {
            return null;
        }

        var colon = pattern.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == pattern.Length - 1)
        {
            return $"Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc. ('{pattern}')";
        }

        var known = pattern[..colon].ToUpperInvariant() switch
        {
            "ECR" => Ecr,
            "IAM" => Iam,
            _ => null,
        };
        if (known is null)
        {
            return null;
        }

        return known.Any(action => Wildcard.IsActionMatch(pattern, action))
            ? null
            : $"The action '{pattern}' matches no {pattern[..colon].ToLowerInvariant()} action (e.g. {known.Order(StringComparer.Ordinal).First()}).";
    }

    private static string[] Words(string names) => names.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    private static FrozenSet<string> Prefixed(string prefix, IEnumerable<string> names) =>
        names.Select(n => $"{prefix}:{n}").ToFrozenSet(StringComparer.OrdinalIgnoreCase);
}
