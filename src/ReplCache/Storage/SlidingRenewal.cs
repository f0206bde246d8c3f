namespace ReplCache.Storage;

/// <summary>
/// Sliding expiry: a read moves a sliding entry's deadline forward, and the few renewals secondaries must hear
/// of are picked out and reported as touches.
/// </summary>
/// <remarks>
/// Coalescing: secondaries are told a deadline two leads beyond the entry's own; a renewal is reported again only
/// once the entry's own deadline has moved a full lead past the last one reported. So a key read a million times
/// a second logs one Touch per lead, and what secondaries know is never earlier than the primary's own deadline
/// (no secondary hides an entry its primary keeps) and at most two leads later.
/// </remarks>
internal sealed class SlidingRenewal(Lock writeLock, EntryTable table, StoreRole role)
{
    /// <summary>The lead of the coalescing (the node's heartbeat interval).</summary>
    public long LeadMs { get; set; } = 1000;

    /// <summary>Called (without the lock) for every renewal; a secondary forwards these to its primary.</summary>
    public KeyRenewed? Renewed { get; set; }

    /// <summary>A sliding entry's deadline when renewed at <paramref name="nowMs"/>: now plus the window, capped by the absolute expiry.</summary>
    public static long Deadline(long nowMs, long slidingMs, long absoluteExpiryMs)
    {
        long deadline = nowMs > long.MaxValue - slidingMs ? long.MaxValue : nowMs + slidingMs;
        return absoluteExpiryMs == 0 ? deadline : Math.Min(deadline, absoluteExpiryMs);
    }

    /// <summary>Renews a live sliding entry a read found. Lock-free unless the renewal must be reported.</summary>
    public void Renew(Entry blob, long nowMs)
    {
        long renewed = Deadline(nowMs, EntryLayout.SlidingMs(blob), EntryLayout.AbsoluteExpiryMs(blob));
        // Concurrent renewals race benignly: each writes roughly now+sliding. Writing only when it moves
        // forward keeps a hot key's cache line from bouncing between cores on every read.
        if (renewed <= EntryLayout.SlidingDeadlineMs(blob))
        {
            return;
        }

        EntryLayout.SetSlidingDeadlineMs(blob, renewed);
        Renewed?.Invoke(EntryLayout.Key(blob));
        long logged = EntryLayout.LoggedDeadlineMs(blob);
        if (role.Observer is not null && renewed > logged - LeadMs && LeadDeadline(blob, renewed) > logged)
        {
            ReportTouch(blob);
        }
    }

    /// <summary>The deadline secondaries are told for a sliding entry: its own plus two leads, capped by its absolute expiry.</summary>
    public long LeadDeadline(Entry blob, long deadline)
    {
        long lead = deadline > long.MaxValue - 2 * LeadMs ? long.MaxValue : deadline + 2 * LeadMs;
        long absolute = EntryLayout.AbsoluteExpiryMs(blob);
        return absolute == 0 ? lead : Math.Min(lead, absolute);
    }

    /// <summary>Tells the observer of a renewal, with the deadline running two leads ahead.</summary>
    private void ReportTouch(Entry blob)
    {
        lock (writeLock)
        {
            long renewed = EntryLayout.SlidingDeadlineMs(blob);
            if (renewed <= EntryLayout.LoggedDeadlineMs(blob) - LeadMs || !table.Contains(blob))
            {
                return; // another reader reported it first, or the entry was replaced or removed meanwhile
            }

            long lead = LeadDeadline(blob, renewed);
            if (lead <= EntryLayout.LoggedDeadlineMs(blob))
            {
                return; // capped by the absolute expiry: secondaries already know the final deadline
            }

            EntryLayout.SetLoggedDeadlineMs(blob, lead);
            role.Observer?.OnTouched(EntryLayout.Key(blob), lead);
        }
    }
}
