using ReplCache.Storage.Memory;

namespace ReplCache.Storage;

/// <summary>
/// The one path every change of the store takes: the table, the books and the report to the observer, in one
/// hold of the write lock.
/// </summary>
/// <remarks>
/// Because the change and its report happen under the same lock hold, any log kept by the observer is in exactly
/// the order the store changed (the replication log depends on this). Every removal — a caller's, an expiry, an
/// eviction — goes through here and carries its <see cref="RemovalReason"/>. An entry unlinked from the table is
/// retired to the <see cref="EntryHeap"/>, which reuses its block once no reader can still see it.
/// </remarks>
internal sealed class StoreWriter(Lock writeLock, EntryTable table, EntryHeap heap, StoreLedger ledger, StoreRole role, SlidingRenewal renewal, LruEviction? eviction, StoreClock clock)
{
    /// <summary>Victim picks in a row that may find nothing before eviction gives up (each samples <see cref="LruEviction.Samples"/> entries).</summary>
    internal const int MaxFruitlessPicks = 256;

    /// <summary>
    /// A new entry with its header written, for the caller to fill with the key and value and then <see cref="Insert"/>.
    /// Caller holds the write lock from here until the insert.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The entry alone would exceed the size limit or the largest array.</exception>
    public Entry Allocate(int keyLength, int valueLength, long absoluteExpiryMs, long slidingMs, long slidingDeadlineMs)
    {
        long size = EntryLayout.Size(keyLength, valueLength, absoluteExpiryMs, slidingMs);
        if (size > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException("value", valueLength, "The key and value together are larger than the largest array .NET can allocate.");
        }

        if (role.IsAuthoritative && eviction is { } bound && StoreLedger.Cost((int)size) > bound.LimitBytes)
        {
            throw new ArgumentOutOfRangeException("value", valueLength, $"The entry needs {StoreLedger.Cost((int)size)} bytes, more than SizeLimitBytes ({bound.LimitBytes}) allows for the whole cache.");
        }

        Entry entry = heap.Allocate((int)size);
        EntryLayout.Initialize(entry, keyLength, valueLength, absoluteExpiryMs, slidingMs, slidingDeadlineMs);
        return entry;
    }

    /// <summary>Builds a complete entry from its parts. Caller holds the write lock until the insert.</summary>
    public Entry Create(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, long absoluteExpiryMs, long slidingMs, long slidingDeadlineMs)
    {
        Entry entry = Allocate(key.Length, value.Length, absoluteExpiryMs, slidingMs, slidingDeadlineMs);
        key.CopyTo(EntryLayout.KeyForWrite(entry));
        value.CopyTo(EntryLayout.ValueForWrite(entry));
        return entry;
    }

    /// <summary>Stores a fully built entry, replacing any entry with the same key, then evicts to stay under the size limit.</summary>
    public void Insert(Entry blob)
    {
        ulong hash = KeyCodec.Hash(EntryLayout.Key(blob));
        lock (writeLock)
        {
            // Marked before the upsert, which writes the slot before anything in it can throw (a grow comes after):
            // an entry the table holds is always marked, so a walk in memory order (see PageWalk) hands it over.
            EntryLayout.MarkLinked(blob);
            Entry replaced = table.Upsert(blob, hash);
            if (!replaced.IsNull)
            {
                ledger.Forget(replaced);
                heap.Retire(replaced);
            }

            ledger.Add(blob);
            eviction?.Stamp(blob);
            if (role.Observer is { } observer)
            {
                if (EntryLayout.SlidingMs(blob) != 0)
                {
                    EntryLayout.SetLoggedDeadlineMs(blob, renewal.LeadDeadline(blob, EntryLayout.SlidingDeadlineMs(blob)));
                }

                observer.OnSet(blob, EntryLayout.LoggedDeadlineMs(blob));
            }

            if (eviction is not null && ledger.SizeBytes > eviction.LimitBytes && role.IsAuthoritative)
            {
                EvictUntilUnder(eviction, protectedEntry: blob);
            }
        }
    }

    /// <summary>Removes the entry for <paramref name="key"/>; a missing key is a no-op.</summary>
    /// <returns>True when an entry was removed.</returns>
    public bool Remove(ReadOnlySpan<byte> key)
    {
        ulong hash = KeyCodec.Hash(key);
        lock (writeLock)
        {
            Entry removed = table.Remove(key, hash);
            if (removed.IsNull)
            {
                return false;
            }

            ledger.Forget(removed);
            heap.Retire(removed);
            role.Observer?.OnRemoved(key, RemovalReason.Removed);
            return true;
        }
    }

    /// <summary>Drops every entry.</summary>
    /// <param name="wholePages">
    /// Whether the table holds every entry of the heap, so that its pages can be retired whole; false while a staged
    /// load (<see cref="StagedLoad"/>) shares the heap, when each entry is retired on its own.
    /// </param>
    public void Clear(bool wholePages)
    {
        lock (writeLock)
        {
            if (wholePages)
            {
                table.Clear();
                heap.RetireAll();
            }
            else
            {
                foreach (ref readonly EntryTable.Slot slot in table.Slots.AsSpan())
                {
                    if (slot.IsLive)
                    {
                        heap.Retire(table.Resolve(slot.Handle));
                    }
                }

                table.Clear();
            }

            ledger.Clear();
            role.Observer?.OnCleared();
        }
    }

    /// <summary>Makes room for about <paramref name="entries"/> entries at once.</summary>
    public void Reserve(long entries)
    {
        lock (writeLock)
        {
            table.Reserve(entries);
        }
    }

    /// <summary>Frees what no reader can still see; the housekeeping timer calls it so that a quiet store still reuses its blocks.</summary>
    public void Reclaim()
    {
        lock (writeLock)
        {
            heap.Reclaim();
        }
    }

    /// <summary>A read found <paramref name="blob"/> expired: an authoritative store removes it, a secondary leaves it to its primary.</summary>
    public void RemoveIfExpired(ReadOnlySpan<byte> key, Entry blob)
    {
        if (!role.IsAuthoritative)
        {
            return;
        }

        ulong hash = KeyCodec.Hash(key);
        lock (writeLock)
        {
            // Re-check under the lock: the entry may have been replaced or renewed since the read saw it, and the
            // store may have become a secondary, which never removes on its own.
            Entry current = table.Find(key, hash);
            if (!role.IsAuthoritative || current != blob || !EntryLayout.IsExpired(blob, clock.NowMs()))
            {
                return;
            }

            table.Remove(key, hash);
            ledger.Forget(blob);
            heap.Retire(blob);
            ledger.CountRemoval(RemovalReason.Expired);
            role.Observer?.OnRemoved(key, RemovalReason.Expired);
        }
    }

    /// <summary>Removes a slot found by a scan, if it still holds <paramref name="blob"/>. Caller holds the write lock.</summary>
    /// <returns>False when the slot changed or the table was resized since the scan read it.</returns>
    public bool RemoveScanned(EntryTable.Slot[] slots, int index, Entry blob, RemovalReason reason)
    {
        if (!table.RemoveIfSame(slots, index, blob))
        {
            return false;
        }

        ledger.Forget(blob);
        ledger.CountRemoval(reason);
        // Retired (and so unmarked for a walk in memory order) before the report can throw; the report still reads
        // its key, and its block outlives this operation: nothing is reclaimed before the next allocation.
        heap.Retire(blob);
        role.Observer?.OnRemoved(EntryLayout.Key(blob), reason);
        return true;
    }

    /// <summary>
    /// Evicts until the books are under the bound, never the entry just written nor a pinned one. Caller holds the
    /// write lock.
    /// </summary>
    /// <remarks>
    /// Gives up after <see cref="MaxFruitlessPicks"/> picks in a row found nothing to evict: what is left may be all
    /// pinned, and sampling forever under the write lock would stop every writer.
    /// </remarks>
    private void EvictUntilUnder(LruEviction bound, Entry protectedEntry)
    {
        long now = clock.NowMs();
        int fruitless = 0;
        while (ledger.SizeBytes > bound.LimitBytes && table.Count > 1 && fruitless < MaxFruitlessPicks)
        {
            EntryTable.Slot[] slots = table.Slots;
            if (bound.TryPickVictim(slots, table, protectedEntry, now, out int index, out Entry victim, out bool expired))
            {
                RemoveScanned(slots, index, victim, expired ? RemovalReason.Expired : RemovalReason.Evicted);
                fruitless = 0;
            }
            else
            {
                fruitless++;
            }
        }
    }
}
