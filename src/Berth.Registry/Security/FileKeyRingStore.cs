using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Berth.Registry.Security;

/// <summary>Keeps the key ring in one JSON file (mode 0600), the embedded default.</summary>
/// <param name="path">The file, e.g. <c>berth-data/keyring.json</c>.</param>
public sealed class FileKeyRingStore(string path) : IKeyRingStore
{
    /// <summary>The file this store uses.</summary>
    public string Path { get; } = path;

    /// <inheritdoc/>
    public KeyRingSnapshot? Load()
    {
        if (!File.Exists(Path))
        {
            return null;
        }

        var file = JsonSerializer.Deserialize(File.ReadAllBytes(Path), KeyRingFileJsonContext.Default.KeyRingFile)
            ?? throw new InvalidDataException($"{Path} is empty.");
        return new KeyRingSnapshot(
            file.Current,
            [.. file.Keys.Select(k => new MasterKey(k.Id, Convert.FromBase64String(k.Key), k.CreatedAt))]);
    }

    /// <inheritdoc/>
    public string Version()
    {
        var info = new FileInfo(Path);
        return info.Exists ? string.Create(CultureInfo.InvariantCulture, $"{info.LastWriteTimeUtc.Ticks}:{info.Length}") : "none";
    }

    /// <inheritdoc/>
    public void Save(KeyRingSnapshot snapshot)
    {
        var file = new KeyRingFile(snapshot.CurrentId, [.. snapshot.Keys.Select(k => new KeyRingFileKey(k.Id, Convert.ToBase64String(k.Key), k.CreatedAt))]);
        SecretFile.WriteAllBytes(Path, JsonSerializer.SerializeToUtf8Bytes(file, KeyRingFileJsonContext.Default.KeyRingFile));
    }
}

internal sealed record KeyRingFile(
    [property: JsonPropertyName("current")] string Current,
    [property: JsonPropertyName("keys")] IReadOnlyList<KeyRingFileKey> Keys);

internal sealed record KeyRingFileKey(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("createdAt")] DateTimeOffset CreatedAt);

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(KeyRingFile))]
internal sealed partial class KeyRingFileJsonContext : JsonSerializerContext;
