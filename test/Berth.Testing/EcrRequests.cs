using System.Globalization;
using System.Text;
using Berth.Protocol.Aws;
using Berth.Protocol.Ecr;

namespace Berth.Testing;

/// <summary>Builds ECR API requests signed with SigV4 and lets a test break any part of them.</summary>
public sealed record EcrRequests(Uri BaseAddress, string AccessKeyId, string SecretAccessKey, string Region = "us-east-1")
{
    public HttpRequestMessage Create(
        string operation = "GetAuthorizationToken",
        string body = "{}",
        DateTimeOffset? signedAt = null,
        string? signingRegion = null,
        string service = "ecr",
        string? secret = null,
        IReadOnlyDictionary<string, string>? extraSignedHeaders = null,
        string? target = null)
    {
        var stamp = (signedAt ?? DateTimeOffset.UtcNow).UtcDateTime.ToString(SigV4.DateFormat, CultureInfo.InvariantCulture);
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["content-type"] = EcrProtocol.ContentType,
            ["host"] = BaseAddress.Authority,
            ["x-amz-date"] = stamp,
            ["x-amz-target"] = target ?? $"{EcrProtocol.TargetPrefix}.{operation}",
        };
        foreach (var (name, value) in extraSignedHeaders ?? new Dictionary<string, string>())
        {
            headers[name] = value;
        }

        var scope = new CredentialScope(stamp[..8], signingRegion ?? Region, service);
        var bytes = Encoding.UTF8.GetBytes(body);
        var canonical = SigV4.CanonicalRequest(
            "POST", "/", [], [.. headers.Select(h => new KeyValuePair<string, IReadOnlyList<string>>(h.Key, [h.Value]))], SigV4.HexSha256(bytes));
        var signature = SigV4.Sign(secret ?? SecretAccessKey, scope, SigV4.StringToSign(stamp, scope, canonical));

        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(BaseAddress, "/")) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", EcrProtocol.ContentType);
        foreach (var (name, value) in headers.Where(h => h.Key is not ("content-type" or "host")))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        request.Headers.TryAddWithoutValidation(
            "Authorization", new SigV4Authorization(AccessKeyId, scope, string.Join(';', headers.Keys), signature).ToString());
        return request;
    }
}
