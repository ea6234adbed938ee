using System.Security.Cryptography;

namespace Berth.Registry.Security;

/// <summary>The key ring over an <see cref="IKeyRingStore"/>; creates the first key on first use.</summary>
/// <remarks>
/// Another process (<c>berth admin rotate-key</c>, another node) may rotate the stored ring at any time, so the
/// current key is re-read when the store's version changes and an unknown id triggers one reload before it is
/// declared unknown. Thread-safe.
/// </remarks>
public sealed class KeyRing : IKeyRing
{
    private readonly IKeyRingStore _store;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private KeyRingSnapshot _snapshot;
    private string _version;

    /// <summary>Loads the ring from <paramref name="store"/>, generating and saving a first key if it is empty.</summary>
    public KeyRing(IKeyRingStore store, TimeProvider time)
    {
        _store = store;
        _time = time;
        lock (_gate)
        {
            var loaded = store.Load();
            if (loaded is null)
            {
                var first = NewKey();
                loaded = new KeyRingSnapshot(first.Id, [first]);
                store.Save(loaded);
            }

            _snapshot = loaded;
            _version = store.Version();
        }
    }

    /// <inheritdoc/>
    public MasterKey Current
    {
        get
        {
            var snapshot = Refresh();
            return snapshot.Keys.Single(k => k.Id == snapshot.CurrentId);
        }
    }

    /// <inheritdoc/>
    public MasterKey? Find(string id) =>
        _snapshot.Keys.FirstOrDefault(k => k.Id == id) ?? Refresh().Keys.FirstOrDefault(k => k.Id == id);

    /// <inheritdoc/>
    public MasterKey Rotate()
    {
        lock (_gate)
        {
            var current = _store.Load() ?? _snapshot;
            var key = NewKey();
            _snapshot = new KeyRingSnapshot(key.Id, [.. current.Keys, key]);
            _store.Save(_snapshot);
            _version = _store.Version();
            return key;
        }
    }

    private KeyRingSnapshot Refresh()
    {
        lock (_gate)
        {
            var version = _store.Version();
            if (version != _version)
            {
                _snapshot = _store.Load() ?? _snapshot;
                _version = version;
            }

            return _snapshot;
        }
    }

    private MasterKey NewKey() =>
        new(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)), RandomNumberGenerator.GetBytes(32), _time.GetUtcNow());
}
