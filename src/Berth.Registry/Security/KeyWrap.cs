using System.Security.Cryptography;
using System.Text;

namespace Berth.Registry.Security;

/// <summary>Seals small secrets (data keys, access-key secrets) under the key ring with AES-256-GCM.</summary>
/// <remarks>
/// Framing: version byte <c>0x01</c> (so base64 begins <c>AQ</c>, like ECR's KMS blobs), key-id length, key-id
/// bytes, 12-byte nonce, ciphertext, 16-byte tag. The header and a caller-chosen context are the associated data, so
/// a blob cannot be moved to another key id or another purpose.
/// </remarks>
public static class KeyWrap
{
    private const byte FormatVersion = 0x01;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    /// <summary>Seals <paramref name="plaintext"/> under the ring's current key.</summary>
    public static byte[] Seal(IKeyRing ring, ReadOnlySpan<byte> plaintext, string context)
    {
        var key = ring.Current;
        var id = Encoding.ASCII.GetBytes(key.Id);
        var headerLength = 2 + id.Length;
        var output = new byte[headerLength + NonceSize + plaintext.Length + TagSize];
        output[0] = FormatVersion;
        output[1] = checked((byte)id.Length);
        id.CopyTo(output, 2);
        var nonce = output.AsSpan(headerLength, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var gcm = new AesGcm(key.Key, TagSize);
        gcm.Encrypt(
            nonce,
            plaintext,
            output.AsSpan(headerLength + NonceSize, plaintext.Length),
            output.AsSpan(output.Length - TagSize),
            AssociatedData(output.AsSpan(0, headerLength), context));
        return output;
    }

    /// <summary>Opens a sealed blob; returns <see langword="null"/> if it is malformed, tampered with or sealed by a key this ring lacks.</summary>
    public static byte[]? Open(IKeyRing ring, ReadOnlySpan<byte> sealedBlob, string context)
    {
        if (sealedBlob.Length < 2 + NonceSize + TagSize || sealedBlob[0] != FormatVersion)
        {
            return null;
        }

        var headerLength = 2 + sealedBlob[1];
        var cipherLength = sealedBlob.Length - headerLength - NonceSize - TagSize;
        if (cipherLength < 0)
        {
            return null;
        }

        var key = ring.Find(Encoding.ASCII.GetString(sealedBlob[2..headerLength]));
        if (key is null)
        {
            return null;
        }

        var plaintext = new byte[cipherLength];
        try
        {
            using var gcm = new AesGcm(key.Key, TagSize);
            gcm.Decrypt(
                sealedBlob.Slice(headerLength, NonceSize),
                sealedBlob.Slice(headerLength + NonceSize, cipherLength),
                sealedBlob[^TagSize..],
                plaintext,
                AssociatedData(sealedBlob[..headerLength], context));
            return plaintext;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }

    private static byte[] AssociatedData(ReadOnlySpan<byte> header, string context) =>
        [.. header, .. Encoding.UTF8.GetBytes(context)];
}
