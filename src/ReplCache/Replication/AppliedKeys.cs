namespace ReplCache.Replication;

/// <summary>
/// Where a secondary's apply path (and a primary's, for writes its secondaries forwarded) announces the keys it
/// applied, for host components that keep something of their own in step with replication (HybridCache's tags and
/// local cache). Costs one read of a field per applied record
/// while nobody listens.
/// </summary>
internal sealed class AppliedKeys
{
    private IAppliedKeyObserver[] _observers = [];

    /// <summary>Starts telling <paramref name="observer"/>; the returned value stops it.</summary>
    public IDisposable Observe(IAppliedKeyObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        IAppliedKeyObserver[] current, updated;
        do
        {
            current = Volatile.Read(ref _observers);
            updated = [.. current, observer];
        }
        while (Interlocked.CompareExchange(ref _observers, updated, current) != current);

        return new Subscription(this, observer);
    }

    /// <summary>Whether anyone listens: lets a caller skip preparing a key nobody will hear of.</summary>
    public bool HasObservers => Volatile.Read(ref _observers).Length > 0;

    public void Announce(ReadOnlySpan<byte> key, AppliedChange change)
    {
        foreach (IAppliedKeyObserver observer in Volatile.Read(ref _observers))
        {
            observer.OnKeyApplied(key, change);
        }
    }

    private void Stop(IAppliedKeyObserver observer)
    {
        IAppliedKeyObserver[] current, updated;
        do
        {
            current = Volatile.Read(ref _observers);
            updated = Array.FindAll(current, o => !ReferenceEquals(o, observer));
        }
        while (Interlocked.CompareExchange(ref _observers, updated, current) != current);
    }

    private sealed class Subscription(AppliedKeys keys, IAppliedKeyObserver observer) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                keys.Stop(observer);
            }
        }
    }
}
