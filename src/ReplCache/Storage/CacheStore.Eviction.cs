namespace ReplCache.Storage;

internal sealed partial class CacheStore
{
    /// <summary>Entries sampled per eviction, like Redis's <c>maxmemory-samples</c> (default 5; more is closer to true LRU).</summary>
    internal const int EvictionSamples = 16;

    private readonly Random _evictionRandom = new();

    /// <summary>
    /// Approximated LRU, after Redis: sample a few random entries, evict the one read least recently, repeat
    /// until under the bound. An expired entry met while sampling is taken first. Caller holds the write lock.
    /// </summary>
    private void EvictUntilUnder(long limit, byte[] protectedEntry)
    {
        long now = _clock.NowMs();
        while (_sizeBytes > limit && _table.Count > 1)
        {
            EntryTable.Slot[] slots = _table.Slots;
            int victimIndex = -1;
            byte[]? victim = null;
            bool victimExpired = false;
            for (int sample = 0; sample < EvictionSamples && !victimExpired; sample++)
            {
                int index = NextLiveSlot(slots, _evictionRandom.Next(slots.Length));
                byte[] candidate = slots[index].Entry!;
                if (ReferenceEquals(candidate, protectedEntry))
                {
                    continue;
                }

                bool expired = EntryLayout.IsExpired(candidate, now);
                if (victim is null || expired || Older(candidate, victim))
                {
                    victim = candidate;
                    victimIndex = index;
                    victimExpired = expired;
                }
            }

            if (victim is null)
            {
                continue; // every sample hit the entry just written; sample again
            }

            RemoveScanned(slots, victimIndex, victim, victimExpired ? RemovalReason.Expired : RemovalReason.Evicted);
        }
    }

    /// <summary>The first slot at or after <paramref name="start"/> holding a live entry. The table is never empty here.</summary>
    private static int NextLiveSlot(EntryTable.Slot[] slots, int start)
    {
        int mask = slots.Length - 1;
        int index = start;
        while (true)
        {
            byte[]? blob = slots[index].Entry;
            if (blob is not null && !ReferenceEquals(blob, EntryTable.Tombstone))
            {
                return index;
            }

            index = (index + 1) & mask;
        }
    }

    // Compare as a wrapping clock so the order survives the int counter overflowing after years of ticks.
    private static bool Older(byte[] candidate, byte[] victim) => EntryLayout.AccessClock(candidate) - EntryLayout.AccessClock(victim) < 0;
}
