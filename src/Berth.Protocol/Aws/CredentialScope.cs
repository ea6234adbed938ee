namespace Berth.Protocol.Aws;

/// <summary>The <c>date/region/service/aws4_request</c> scope of a SigV4 credential.</summary>
/// <param name="Date">The signing day, <c>yyyyMMdd</c>.</param>
/// <param name="Region">The region the client signed for.</param>
/// <param name="Service">The signing name (<c>ecr</c>, <c>iam</c>).</param>
public readonly record struct CredentialScope(string Date, string Region, string Service)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Date}/{Region}/{Service}/aws4_request";
}
