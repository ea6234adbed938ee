namespace Berth.Registry.Security;

/// <summary>Persists the key ring where every node of a deployment can read it.</summary>
/// <remarks>Implementations write atomically and keep the material readable by the server's user only.</remarks>
public interface IKeyRingStore
{
    /// <summary>Loads the ring, or returns <see langword="null"/> if none was ever saved.</summary>
    KeyRingSnapshot? Load();

    /// <summary>An opaque value that changes whenever another writer saved the ring.</summary>
    string Version();

    /// <summary>Saves the ring, replacing the previous one.</summary>
    void Save(KeyRingSnapshot snapshot);
}
