using System.Globalization;
using Berth.Protocol.Aws;
using Berth.Registry;
using Berth.Registry.Security;
using Berth.Server.Hosting;
using Microsoft.Extensions.Primitives;

namespace Berth.Server.Auth;

/// <summary>Verifies AWS SigV4 signatures on API requests (ecr-protocol.md §3).</summary>
internal sealed class SigV4Verifier(AccessKeys keys, BerthServerOptions options, TimeProvider time, AuthFailureThrottle throttle)
{
    // botocore never signs these; a client that lists them is not one we know how to verify.
    private static readonly HashSet<string> Unsignable = new(StringComparer.Ordinal)
    {
        "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
    };

    /// <summary>Returns the caller's key, or throws the AWS error the request deserves (Throttling after too many failures).</summary>
    public async ValueTask<ResolvedAccessKey> VerifyAsync(HttpRequest request, ReadOnlyMemory<byte> body, string service, CancellationToken cancellationToken)
    {
        var address = request.HttpContext.Connection.RemoteIpAddress;
        var header = request.Headers.Authorization.ToString();
        var auth = SigV4Authorization.TryParse(header);
        var accessKeyId = auth?.AccessKeyId;
        if (throttle.RetryAfter(address, accessKeyId) is not null)
        {
            throw new RegistryException(RegistryError.TooManyRequests, "Rate exceeded: too many failed authentications from this address or for this access key; retry later.");
        }

        try
        {
            return await VerifyCoreAsync(request, header, auth, body, service, cancellationToken);
        }
        catch (RegistryException failure) when (failure.Error != RegistryError.MissingAuthenticationToken)
        {
            throttle.RecordFailure(address, accessKeyId);
            throw;
        }
    }

    private async ValueTask<ResolvedAccessKey> VerifyCoreAsync(
        HttpRequest request, string header, SigV4Authorization? parsed, ReadOnlyMemory<byte> body, string service, CancellationToken cancellationToken)
    {
        if (header.Length == 0)
        {
            throw new RegistryException(RegistryError.MissingAuthenticationToken);
        }

        var auth = parsed ?? throw new RegistryException(
            RegistryError.IncompleteSignature,
            $"Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters in the {SigV4.Algorithm} format.");

        var amzDate = request.Headers["X-Amz-Date"].ToString();
        var stamp = ParseTimestamp(amzDate.Length > 0 ? amzDate : request.Headers.Date.ToString(), amzDate.Length > 0);
        var stampText = stamp.UtcDateTime.ToString(SigV4.DateFormat, CultureInfo.InvariantCulture);
        CheckScope(auth, stampText, service);
        var signed = auth.SignedHeaders.Split(';');
        if (!signed.Contains("host") || (amzDate.Length > 0 && !signed.Contains("x-amz-date")))
        {
            throw new RegistryException(RegistryError.InvalidSignature, "The 'host' and 'x-amz-date' headers must be signed.");
        }

        if (signed.Any(Unsignable.Contains) || !signed.SequenceEqual(signed.Order(StringComparer.Ordinal)))
        {
            throw new RegistryException(RegistryError.InvalidSignature);
        }

        CheckSkew(stamp, stampText);

        if (request.Headers.ContainsKey("X-Amz-Security-Token"))
        {
            throw new RegistryException(
                RegistryError.UnrecognizedClient,
                "The security token included in the request is invalid: temporary credentials (X-Amz-Security-Token) are not supported by this registry yet; use an access key.");
        }

        var key = await keys.ResolveAsync(auth.AccessKeyId, cancellationToken)
            ?? throw new RegistryException(RegistryError.UnrecognizedClient);

        var payloadHash = SigV4.HexSha256(body.Span);
        var claimedHash = request.Headers["X-Amz-Content-Sha256"].ToString();
        if (claimedHash.Length > 0 && !string.Equals(claimedHash, payloadHash, StringComparison.Ordinal))
        {
            throw new RegistryException(RegistryError.InvalidSignature, "The provided 'x-amz-content-sha256' header does not match what was computed.");
        }

        var headers = signed
            .Select(name => new KeyValuePair<string, IReadOnlyList<string>>(name, HeaderValues(request, name)))
            .ToList();
        var query = request.Query.SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string>(q.Key, v ?? "")));
        var canonical = SigV4.CanonicalRequest(request.Method, request.Path.Value ?? "/", query, headers, claimedHash.Length > 0 ? claimedHash : payloadHash);
        var expected = SigV4.Sign(key.SecretAccessKey, auth.Scope, SigV4.StringToSign(stampText, auth.Scope, canonical));
        return SigV4.SignaturesEqual(expected, auth.Signature) ? key : throw new RegistryException(RegistryError.InvalidSignature);
    }

    private static string[] HeaderValues(HttpRequest request, string name)
    {
        // Kestrel keeps Host as sent, port included, which is what the client signed.
        StringValues values = name == "host" ? request.Headers.Host : request.Headers[name];
        return values.Count == 0 ? [""] : values.Select(v => v ?? "").ToArray();
    }

    private static DateTimeOffset ParseTimestamp(string value, bool isAmzDate)
    {
        if (value.Length == 0)
        {
            throw new RegistryException(RegistryError.IncompleteSignature, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
        }

        var ok = isAmzDate
            ? DateTimeOffset.TryParseExact(value, SigV4.DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var stamp)
            : DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out stamp);
        return ok ? stamp : throw new RegistryException(RegistryError.IncompleteSignature, $"Date must be in ISO-8601 'basic format'. Got '{value}'.");
    }

    private void CheckScope(SigV4Authorization auth, string stampText, string service)
    {
        if (auth.Scope.Service != service)
        {
            throw new RegistryException(RegistryError.InvalidSignature, $"Credential should be scoped to correct service: '{service}'.");
        }

        if (auth.Scope.Date != stampText[..8])
        {
            throw new RegistryException(
                RegistryError.InvalidSignature,
                $"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{auth.Scope.Date}' != '{stampText[..8]}', from '{stampText}'.");
        }

        if (auth.Scope.Region != options.Registry.Region)
        {
            throw new RegistryException(
                RegistryError.InvalidSignature,
                $"Credential should be scoped to a valid region, not '{auth.Scope.Region}'. This registry's region is '{options.Registry.Region}'.");
        }

    }

    private void CheckSkew(DateTimeOffset stamp, string stampText)
    {
        var now = time.GetUtcNow();
        var skew = options.MaxClockSkew;
        var minutes = skew.TotalMinutes.ToString("0.##", CultureInfo.InvariantCulture);
        string Format(DateTimeOffset t) => t.UtcDateTime.ToString(SigV4.DateFormat, CultureInfo.InvariantCulture);
        if (stamp < now - skew)
        {
            throw new RegistryException(
                RegistryError.InvalidSignature,
                $"Signature expired: {stampText} is now earlier than {Format(now - skew)} ({Format(now)} - {minutes} min.)");
        }

        if (stamp > now + skew)
        {
            throw new RegistryException(
                RegistryError.InvalidSignature,
                $"Signature not yet current: {stampText} is still later than {Format(now + skew)} ({Format(now)} + {minutes} min.)");
        }
    }
}
