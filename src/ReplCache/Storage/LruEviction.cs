namespace ReplCache.Storage;

/// <summary>
/// Approximated LRU, after Redis: a coarse access clock stamped into entries, and a victim chosen by sampling a
/// few random entries and taking the one read least recently. Exists only on a store with a size limit.
/// </summary>
/// <remarks>
/// It only chooses; <see cref="StoreWriter"/> decides how much to evict and removes through the one removal path.
/// </remarks>
internal sealed class LruEviction(long limitBytes)
{
    /// <summary>Entries sampled per eviction, like Redis's <c>maxmemory-samples</c> (default 5; more is closer to true LRU).</summary>
    internal const int Samples = 16;

    private readonly Random _random = new();
    private int _clock = 1;

    /// <summary>The bound on <see cref="StoreLedger.SizeBytes"/> (<c>SizeLimitBytes</c>).</summary>
    public long LimitBytes { get; } = limitBytes;

    /// <summary>Advances the access clock; the housekeeping timer calls it every period.</summary>
    public void Tick() => Interlocked.Increment(ref _clock);

    /// <summary>Stamps an entry being inserted as just used. Caller holds the write lock.</summary>
    public void Stamp(Entry blob) => EntryLayout.SetAccessClock(blob, Volatile.Read(ref _clock));

    /// <summary>Marks an entry a read found as just used. Lock-free.</summary>
    public void MarkRead(Entry blob)
    {
        int now = Volatile.Read(ref _clock);
        // Coarse clock, written only when it moved: a hot key is written once per tick, not once per read.
        if (EntryLayout.AccessClock(blob) != now)
        {
            EntryLayout.SetAccessClock(blob, now);
        }
    }

    /// <summary>
    /// Samples <see cref="Samples"/> live entries of <paramref name="slots"/> and picks the one read least recently;
    /// an expired entry met while sampling is taken at once. <paramref name="protectedEntry"/> (the entry just
    /// written) is never picked. Caller holds the write lock; the table holds at least two entries.
    /// </summary>
    /// <returns>False when every sample hit the protected entry or a pinned one (<see cref="PinnedKeys"/>); sample again.</returns>
    public bool TryPickVictim(EntryTable.Slot[] slots, EntryTable table, Entry protectedEntry, long nowMs, out int index, out Entry victim, out bool expired)
    {
        index = -1;
        victim = default;
        expired = false;
        for (int sample = 0; sample < Samples && !expired; sample++)
        {
            int candidateIndex = NextLiveSlot(slots, _random.Next(slots.Length));
            Entry candidate = table.Resolve(slots[candidateIndex].Handle);
            if (candidate == protectedEntry || PinnedKeys.IsPinned(EntryLayout.Key(candidate)))
            {
                continue;
            }

            bool candidateExpired = EntryLayout.IsExpired(candidate, nowMs);
            if (victim.IsNull || candidateExpired || Older(candidate, victim))
            {
                victim = candidate;
                index = candidateIndex;
                expired = candidateExpired;
            }
        }

        return !victim.IsNull;
    }

    /// <summary>The first slot at or after <paramref name="start"/> holding a live entry. The table is never empty here.</summary>
    private static int NextLiveSlot(EntryTable.Slot[] slots, int start)
    {
        int mask = slots.Length - 1;
        int index = start;
        while (true)
        {
            if (slots[index].IsLive)
            {
                return index;
            }

            index = (index + 1) & mask;
        }
    }

    // Compare as a wrapping clock so the order survives the int counter overflowing after years of ticks.
    private static bool Older(Entry candidate, Entry victim) => EntryLayout.AccessClock(candidate) - EntryLayout.AccessClock(victim) < 0;
}
