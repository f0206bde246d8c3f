namespace ReplCache.Storage;

/// <summary>
/// Whether the store decides on its own and who hears of its changes: the one state behind
/// <see cref="CacheStore.Lead"/>, <see cref="CacheStore.Follow"/> and <see cref="CacheStore.RunUnreported"/>.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>A new store is authoritative and unobserved: it expires and evicts on its own and tells nobody. That is
/// a standalone store (tests, benchmarks, a snapshot replayed for a check); a node's controller calls
/// <see cref="Lead"/> before the store is shared.</item>
/// <item>Leading (a primary): authoritative, and every change is reported to the observer, which appends it to
/// the replication log.</item>
/// <item>Following (a secondary): not authoritative — expired entries are only hidden, and every removal arrives
/// from the primary, so a secondary can never diverge by expiring or evicting something its primary still holds —
/// and nothing is reported, since what it applies is already in its primary's log.</item>
/// </list>
/// Lead and Follow change both properties together, under the store's write lock, so "observer present implies
/// authoritative" holds for every writer. Lock-free readers (a read finding an expired entry, a sliding renewal)
/// read them unlocked only to skip work, and check again under the lock before acting.
/// </remarks>
internal sealed class StoreRole
{
    private IStoreObserver? _leaderObserver;
    private int _suspended;

    /// <summary>True when the store deletes on its own initiative (expiry, eviction); false on a secondary.</summary>
    public bool IsAuthoritative { get; private set; } = true;

    /// <summary>Who to tell of a change now: null when following, standalone, or while reporting is suspended.</summary>
    public IStoreObserver? Observer { get; private set; }

    /// <summary>Becomes authoritative, reporting every change to <paramref name="observer"/>. Caller holds the write lock.</summary>
    public void Lead(IStoreObserver observer)
    {
        IsAuthoritative = true;
        _leaderObserver = observer;
        Publish();
    }

    /// <summary>Stops deciding and reporting: a secondary only applies what its primary decided. Caller holds the write lock.</summary>
    public void Follow()
    {
        IsAuthoritative = false;
        _leaderObserver = null;
        Publish();
    }

    /// <summary>Stops reporting until the matching <see cref="ResumeReporting"/>; the role is kept. Caller holds the write lock.</summary>
    public void SuspendReporting()
    {
        _suspended++;
        Publish();
    }

    /// <summary>Ends one <see cref="SuspendReporting"/>. Caller holds the write lock.</summary>
    public void ResumeReporting()
    {
        _suspended--;
        Publish();
    }

    /// <summary>
    /// Refuses a write of this node's own (a caller's, a RESP command's) on a follower. Caller holds the write lock.
    /// </summary>
    /// <remarks>
    /// The node's door checks its role before a write takes the write lock; a step down (FAILOVER, REPLICAOF) can
    /// come in between. Applied here it would be unreported, held by this secondary and by nobody else: it is refused
    /// under the same lock the step down takes instead, so it is either in the log the step down compared or not done.
    /// </remarks>
    /// <exception cref="ReadOnlyReplicaException">The store follows a primary.</exception>
    public void ThrowIfFollowing()
    {
        if (!IsAuthoritative)
        {
            throw new ReadOnlyReplicaException();
        }
    }

    // A derived field rather than a check per change: the write path and a sliding renewal read one reference.
    private void Publish() => Observer = _suspended == 0 ? _leaderObserver : null;
}
