using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Berth.Protocol.Aws;

/// <summary>AWS Signature Version 4 primitives, shared by the server (verification) and the client (signing).</summary>
/// <remarks>Follows botocore's <c>SigV4Auth</c> exactly; the unit tests replay the vectors captured from the aws CLI.</remarks>
public static class SigV4
{
    /// <summary>The only algorithm Berth accepts.</summary>
    public const string Algorithm = "AWS4-HMAC-SHA256";

    /// <summary>The format of <c>X-Amz-Date</c>: ISO 8601 basic, UTC, no fractions.</summary>
    public const string DateFormat = "yyyyMMdd'T'HHmmss'Z'";

    /// <summary>Lowercase hex SHA-256 of an empty payload.</summary>
    public const string EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// <summary>Builds the canonical request (the lines joined by <c>\n</c>).</summary>
    /// <param name="method">HTTP method.</param>
    /// <param name="path">The request path as sent (not yet URI-encoded).</param>
    /// <param name="query">Query pairs as decoded, in any order.</param>
    /// <param name="headers">Signed header names (lower case, sorted) with every value received for each.</param>
    /// <param name="payloadHash">Lowercase hex SHA-256 of the body.</param>
    public static string CanonicalRequest(
        string method,
        string path,
        IEnumerable<KeyValuePair<string, string>> query,
        IReadOnlyList<KeyValuePair<string, IReadOnlyList<string>>> headers,
        string payloadHash)
    {
        var builder = new StringBuilder(512);
        builder.Append(method.ToUpperInvariant()).Append('\n');
        builder.Append(CanonicalPath(path)).Append('\n');
        builder.Append(string.Join('&', query
            .Select(p => (Key: UriEncode(p.Key), Value: UriEncode(p.Value)))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => p.Key + "=" + p.Value))).Append('\n');
        foreach (var (name, values) in headers)
        {
            builder.Append(name).Append(':').Append(string.Join(',', values.Select(CanonicalHeaderValue))).Append('\n');
        }

        builder.Append('\n');
        builder.Append(string.Join(';', headers.Select(h => h.Key))).Append('\n');
        builder.Append(payloadHash);
        return builder.ToString();
    }

    /// <summary>Builds the string to sign for a canonical request.</summary>
    public static string StringToSign(string amzDate, CredentialScope scope, string canonicalRequest) =>
        string.Create(CultureInfo.InvariantCulture, $"{Algorithm}\n{amzDate}\n{scope}\n{HexSha256(Encoding.UTF8.GetBytes(canonicalRequest))}");

    /// <summary>Computes the lowercase hex signature of <paramref name="stringToSign"/>.</summary>
    public static string Sign(string secretAccessKey, CredentialScope scope, string stringToSign)
    {
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secretAccessKey), Encoding.UTF8.GetBytes(scope.Date));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(scope.Region));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(scope.Service));
        key = HMACSHA256.HashData(key, "aws4_request"u8);
        return Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
    }

    /// <summary>Lowercase hex SHA-256.</summary>
    public static string HexSha256(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>Compares two hex signatures in constant time.</summary>
    public static bool SignaturesEqual(string expected, string actual) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(actual));

    /// <summary>RFC 3986 encoding with the unreserved set <c>A-Za-z0-9-_.~</c>.</summary>
    public static string UriEncode(string value, bool keepSlash = false)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~' || (keepSlash && c == '/'))
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    // botocore: quote(normalize_url_path(path), safe='/~'); an empty path is "/".
    private static string CanonicalPath(string path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return "/";
        }

        var segments = new List<string>();
        foreach (var segment in path.Split('/'))
        {
            if (segment is "" or ".")
            {
                continue;
            }

            if (segment == "..")
            {
                if (segments.Count > 0)
                {
                    segments.RemoveAt(segments.Count - 1);
                }

                continue;
            }

            segments.Add(segment);
        }

        var normalized = "/" + string.Join('/', segments);
        if (path.EndsWith('/') && normalized != "/")
        {
            normalized += "/";
        }

        return UriEncode(normalized, keepSlash: true);
    }

    private static string CanonicalHeaderValue(string value) =>
        string.Join(' ', value.Trim().Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries));
}
