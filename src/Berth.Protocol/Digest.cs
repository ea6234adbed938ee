using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Berth.Protocol;

/// <summary>A content digest, <c>algorithm:hex</c>, as the OCI image spec defines it.</summary>
/// <remarks>Only <c>sha256</c> and <c>sha512</c> are accepted (registered algorithms); hex must be lower case and of the algorithm's length.</remarks>
public readonly record struct Digest
{
    private Digest(string algorithm, string hex)
    {
        Algorithm = algorithm;
        Hex = hex;
    }

    /// <summary><c>sha256</c> or <c>sha512</c>.</summary>
    public string Algorithm { get; }

    /// <summary>The lowercase hex encoding.</summary>
    public string Hex { get; }

    /// <summary>Parses a digest; returns <see langword="false"/> for anything malformed or unsupported.</summary>
    public static bool TryParse([NotNullWhen(true)] string? value, out Digest digest)
    {
        digest = default;
        if (value is null)
        {
            return false;
        }

        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return false;
        }

        var algorithm = value[..colon];
        var hex = value[(colon + 1)..];
        var length = algorithm switch { "sha256" => 64, "sha512" => 128, _ => 0 };
        if (length == 0 || hex.Length != length || !hex.All(char.IsAsciiHexDigitLower))
        {
            return false;
        }

        digest = new Digest(algorithm, hex);
        return true;
    }

    /// <summary>Parses a digest or throws <see cref="FormatException"/>.</summary>
    public static Digest Parse(string value) =>
        TryParse(value, out var digest) ? digest : throw new FormatException($"'{value}' is not a valid digest.");

    /// <summary>The SHA-256 digest of <paramref name="content"/>.</summary>
    public static Digest Sha256(ReadOnlySpan<byte> content) => new("sha256", Convert.ToHexStringLower(SHA256.HashData(content)));

    /// <summary>Builds a digest from an algorithm name and raw hash bytes.</summary>
    public static Digest FromHash(string algorithm, ReadOnlySpan<byte> hash) => new(algorithm, Convert.ToHexStringLower(hash));

    /// <summary>The hash algorithm for incremental hashing.</summary>
    public HashAlgorithmName HashAlgorithm => Algorithm == "sha512" ? HashAlgorithmName.SHA512 : HashAlgorithmName.SHA256;

    /// <inheritdoc/>
    public override string ToString() => $"{Algorithm}:{Hex}";
}
