namespace Berth.Registry.Security;

/// <summary>Key-encryption keys by id: the current key seals, retired keys can still unseal.</summary>
public interface IKeyRing
{
    /// <summary>The key that seals new data.</summary>
    MasterKey Current { get; }

    /// <summary>Finds a key by id, current or retired; <see langword="null"/> if this ring never held it.</summary>
    MasterKey? Find(string id);

    /// <summary>Generates a new current key; the previous one is kept for unsealing.</summary>
    MasterKey Rotate();
}
