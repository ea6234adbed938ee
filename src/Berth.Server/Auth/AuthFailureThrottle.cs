using System.Collections.Concurrent;
using System.Net;
using Berth.Server.Hosting;

namespace Berth.Server.Auth;

/// <summary>Counts failed authentications per source address and per access key id; once a key has
/// <see cref="BerthServerOptions.AuthFailureLimit"/> failures within the window, further attempts are refused until the
/// window (which starts at the first failure) has passed.</summary>
/// <remarks>Successful requests are never counted and cost one dictionary lookup. Blocking an address blocks valid
/// credentials from it too: a guesser shares its address with nobody it should not slow down, and letting valid
/// credentials through would tell the guesser when it has found one. Memory is bounded: past
/// <see cref="MaxTracked"/> entries the expired ones are dropped, and if none are, the oldest half.</remarks>
internal sealed class AuthFailureThrottle(BerthServerOptions options, TimeProvider time)
{
    public const int MaxTracked = 100_000;

    private readonly ConcurrentDictionary<string, Window> _failures = new(StringComparer.Ordinal);

    private bool Enabled => options.AuthFailureLimit > 0 && options.AuthFailureWindow > TimeSpan.Zero;

    /// <summary>How long the caller must wait, or <see langword="null"/> when neither its address nor its key is blocked.</summary>
    public TimeSpan? RetryAfter(IPAddress? address, string? accessKeyId)
    {
        // No IsEmpty shortcut: on an empty ConcurrentDictionary it takes every lock, and this runs on every request;
        // TryGetValue takes none.
        if (!Enabled)
        {
            return null;
        }

        var now = time.GetUtcNow();
        TimeSpan? wait = null;
        foreach (var key in Keys(address, accessKeyId))
        {
            if (_failures.TryGetValue(key, out var window) && window.BlockedFor(now, options.AuthFailureLimit, options.AuthFailureWindow) is { } left)
            {
                wait = wait is { } other && other > left ? other : left;
            }
        }

        return wait;
    }

    /// <summary>Counts one failed authentication against the address and (if known) the access key id.</summary>
    public void RecordFailure(IPAddress? address, string? accessKeyId)
    {
        if (!Enabled)
        {
            return;
        }

        var now = time.GetUtcNow();
        if (_failures.Count >= MaxTracked)
        {
            Prune(now);
        }

        foreach (var key in Keys(address, accessKeyId))
        {
            _failures.GetOrAdd(key, _ => new Window(now)).Count(now, options.AuthFailureWindow);
        }
    }

    private static IEnumerable<string> Keys(IPAddress? address, string? accessKeyId)
    {
        if (address is not null)
        {
            yield return "address:" + (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
        }

        if (!string.IsNullOrEmpty(accessKeyId))
        {
            yield return "key:" + accessKeyId;
        }
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, window) in _failures)
        {
            if (window.Expired(now, options.AuthFailureWindow))
            {
                _failures.TryRemove(key, out _);
            }
        }

        if (_failures.Count >= MaxTracked)
        {
            foreach (var (key, _) in _failures.OrderBy(entry => entry.Value.Start).Take(_failures.Count / 2))
            {
                _failures.TryRemove(key, out _);
            }
        }
    }

    /// <summary>A fixed window that starts at the first failure.</summary>
    private sealed class Window(DateTimeOffset start)
    {
        private readonly Lock _gate = new();
        private int _count;

        public DateTimeOffset Start { get; private set; } = start;

        public bool Expired(DateTimeOffset now, TimeSpan length) => now >= Start + length;

        public void Count(DateTimeOffset now, TimeSpan length)
        {
            lock (_gate)
            {
                if (Expired(now, length))
                {
                    Start = now;
                    _count = 0;
                }

                _count++;
            }
        }

        public TimeSpan? BlockedFor(DateTimeOffset now, int limit, TimeSpan length)
        {
            lock (_gate)
            {
                return _count >= limit && !Expired(now, length) ? Start + length - now : null;
            }
        }
    }
}
