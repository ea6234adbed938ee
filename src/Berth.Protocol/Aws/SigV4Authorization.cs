namespace Berth.Protocol.Aws;

/// <summary>A parsed <c>Authorization: AWS4-HMAC-SHA256 …</c> header.</summary>
/// <param name="AccessKeyId">The access key id of the credential.</param>
/// <param name="Scope">The credential scope.</param>
/// <param name="SignedHeaders">Signed header names exactly as received (lower case, <c>;</c>-separated).</param>
/// <param name="Signature">The 64-character lowercase hex signature.</param>
public sealed record SigV4Authorization(string AccessKeyId, CredentialScope Scope, string SignedHeaders, string Signature)
{
    /// <summary>Parses the header; returns <see langword="null"/> when it is not a well-formed SigV4 header.</summary>
    /// <remarks>Accepts <c>,</c> with or without a following space, as AWS does.</remarks>
    public static SigV4Authorization? TryParse(string? header)
    {
        if (header is null || !header.StartsWith(SigV4.Algorithm + " ", StringComparison.Ordinal))
        {
            return null;
        }

        string? credential = null, signedHeaders = null, signature = null;
        foreach (var part in header[(SigV4.Algorithm.Length + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                return null;
            }

            var value = part[(eq + 1)..];
            switch (part[..eq])
            {
                case "Credential": credential = value; break;
                case "SignedHeaders": signedHeaders = value; break;
                case "Signature": signature = value; break;
                default: return null;
            }
        }

        if (credential is null || string.IsNullOrEmpty(signedHeaders) || signature is null)
        {
            return null;
        }

        var fields = credential.Split('/');
        if (fields.Length != 5 || fields[0].Length == 0 || fields[1].Length != 8 || fields[4] != "aws4_request")
        {
            return null;
        }

        if (signature.Length != 64 || !signature.All(char.IsAsciiHexDigitLower))
        {
            return null;
        }

        return new SigV4Authorization(fields[0], new CredentialScope(fields[1], fields[2], fields[3]), signedHeaders, signature);
    }

    /// <summary>Formats the header value.</summary>
    public override string ToString() =>
        $"{SigV4.Algorithm} Credential={AccessKeyId}/{Scope}, SignedHeaders={SignedHeaders}, Signature={Signature}";
}
