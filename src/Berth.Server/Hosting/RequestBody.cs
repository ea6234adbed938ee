using Berth.Registry;

namespace Berth.Server.Hosting;

/// <summary>Reads small request bodies (API JSON, manifests) into memory with a hard cap; blobs never come here.</summary>
internal static class RequestBody
{
    /// <summary>Reads the whole body, refusing (before or while reading) anything over <paramref name="limit"/> bytes.</summary>
    public static async Task<byte[]> ReadAsync(HttpRequest request, int limit, RegistryError tooLarge, string what, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            throw new RegistryException(tooLarge, $"{what} is {request.ContentLength} bytes; the limit is {limit}");
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw new RegistryException(tooLarge, $"{what} exceeds the limit of {limit} bytes");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
