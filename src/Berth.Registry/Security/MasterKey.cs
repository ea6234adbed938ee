namespace Berth.Registry.Security;

/// <summary>A 256-bit key-encryption key and its id.</summary>
/// <param name="Id">Short ASCII id carried inside every wrapped data key.</param>
/// <param name="Key">The 32 key bytes.</param>
/// <param name="CreatedAt">When it was generated.</param>
public sealed record MasterKey(string Id, byte[] Key, DateTimeOffset CreatedAt)
{
    /// <summary>Never prints the key bytes.</summary>
    public override string ToString() => $"MasterKey {Id} ({CreatedAt:O})";
}

/// <summary>The persisted key ring: every key, and which one seals new data.</summary>
/// <param name="CurrentId">The id of the key that seals.</param>
/// <param name="Keys">All keys, current and retired.</param>
public sealed record KeyRingSnapshot(string CurrentId, IReadOnlyList<MasterKey> Keys);
