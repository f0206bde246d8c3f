namespace ReplCache.Storage;

/// <summary>The lock-free read path: finds a live entry, renews it when asked, and marks it used for eviction.</summary>
/// <remarks>
/// A read consults the clock only for entries that can expire, which keeps a hit on a non-expiring entry free of
/// clock reads; it takes the write lock only when it finds an expired entry to remove or a renewal to report.
/// </remarks>
internal sealed class EntryReader(EntryTable table, StoreClock clock, StoreWriter writer, SlidingRenewal renewal, LruEviction? eviction)
{
    /// <summary>Finds the live entry for <paramref name="key"/>, renewing its sliding deadline when asked.</summary>
    /// <remarks>The caller is inside the store's read protection (<see cref="StoreReadScope"/>).</remarks>
    /// <returns>The entry, or a null entry on a miss (an expired entry is a miss, and an authoritative store removes it).</returns>
    public Entry Find(ReadOnlySpan<byte> key, bool renewSliding)
    {
        Entry blob = table.Find(key, KeyCodec.Hash(key));
        if (blob.IsNull)
        {
            return default;
        }

        if (EntryLayout.CanExpire(blob))
        {
            long now = clock.NowMs();
            if (EntryLayout.IsExpired(blob, now))
            {
                writer.RemoveIfExpired(key, blob);
                return default;
            }

            if (renewSliding && EntryLayout.SlidingMs(blob) != 0)
            {
                renewal.Renew(blob, now);
            }
        }

        eviction?.MarkRead(blob);
        return blob;
    }
}
