namespace Berth.Registry.Security;

/// <summary>Decides whether a principal may perform an ECR action on a resource.</summary>
public interface IAccessPolicy
{
    /// <summary>True when <paramref name="principal"/> may perform <paramref name="action"/> (e.g. <c>ecr:PutImage</c>) on <paramref name="resourceArn"/>.</summary>
    ValueTask<bool> IsAllowedAsync(Principal principal, string action, string resourceArn, CancellationToken cancellationToken);
}

/// <summary>The ECR action names the data plane checks.</summary>
#pragma warning disable CS1591 // The names are the documentation.
public static class EcrActions
{
    public const string GetAuthorizationToken = "ecr:GetAuthorizationToken";
    public const string BatchGetImage = "ecr:BatchGetImage";
    public const string GetDownloadUrlForLayer = "ecr:GetDownloadUrlForLayer";
    public const string BatchCheckLayerAvailability = "ecr:BatchCheckLayerAvailability";
    public const string InitiateLayerUpload = "ecr:InitiateLayerUpload";
    public const string UploadLayerPart = "ecr:UploadLayerPart";
    public const string CompleteLayerUpload = "ecr:CompleteLayerUpload";
    public const string PutImage = "ecr:PutImage";
    public const string BatchDeleteImage = "ecr:BatchDeleteImage";
    public const string DescribeRepositories = "ecr:DescribeRepositories";
    public const string CreateRepository = "ecr:CreateRepository";
    public const string DeleteRepository = "ecr:DeleteRepository";
    public const string ListImages = "ecr:ListImages";
    public const string PutLifecyclePolicy = "ecr:PutLifecyclePolicy";
    public const string GetLifecyclePolicy = "ecr:GetLifecyclePolicy";
    public const string DeleteLifecyclePolicy = "ecr:DeleteLifecyclePolicy";
    public const string StartLifecyclePolicyPreview = "ecr:StartLifecyclePolicyPreview";
    public const string GetLifecyclePolicyPreview = "ecr:GetLifecyclePolicyPreview";
    public const string DescribeImages = "ecr:DescribeImages";
    public const string PutImageTagMutability = "ecr:PutImageTagMutability";
    public const string TagResource = "ecr:TagResource";
    public const string UntagResource = "ecr:UntagResource";
    public const string ListTagsForResource = "ecr:ListTagsForResource";
    public const string DescribeRegistry = "ecr:DescribeRegistry";
    public const string ListImageReferrers = "ecr:ListImageReferrers";
    public const string SetRepositoryPolicy = "ecr:SetRepositoryPolicy";
    public const string GetRepositoryPolicy = "ecr:GetRepositoryPolicy";
    public const string DeleteRepositoryPolicy = "ecr:DeleteRepositoryPolicy";
    public const string PutImageScanningConfiguration = "ecr:PutImageScanningConfiguration";
    public const string BatchGetRepositoryScanningConfiguration = "ecr:BatchGetRepositoryScanningConfiguration";
}
#pragma warning restore CS1591
