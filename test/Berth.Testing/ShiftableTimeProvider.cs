namespace Berth.Testing;

/// <summary>The real clock plus an offset that tests move forward.</summary>
/// <remarks>
/// Real clients (aws CLI, podman) sign with the real time, so the server must run near it; a frozen
/// FakeTimeProvider would drift out of SigV4's five-minute window during a long test run. Tests that need a token
/// to expire call <see cref="Advance"/>.
/// </remarks>
public sealed class ShiftableTimeProvider : TimeProvider
{
    private long _offsetTicks;

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}
