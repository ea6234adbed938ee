namespace Berth.Client.Ecr;

/// <summary>Amazon ECR's public API endpoints.</summary>
public static class EcrEndpoints
{
    /// <summary>The AWS endpoint for <paramref name="region"/>: <c>https://api.ecr.&lt;region&gt;.amazonaws.com</c> (<c>.com.cn</c> in China).</summary>
    /// <remarks>Partitions other than <c>aws</c> and <c>aws-cn</c> (GovCloud uses the <c>aws</c> domain) need an explicit endpoint.</remarks>
    public static Uri Default(string region)
    {
        ArgumentException.ThrowIfNullOrEmpty(region);
        var domain = region.StartsWith("cn-", StringComparison.Ordinal) ? "amazonaws.com.cn" : "amazonaws.com";
        return new Uri($"https://api.ecr.{region}.{domain}");
    }
}
