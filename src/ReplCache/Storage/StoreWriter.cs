namespace ReplCache.Storage;

/// <summary>
/// The one path every change of the store takes: the table, the books and the report to the observer, in one
/// hold of the write lock.
/// </summary>
/// <remarks>
/// Because the change and its report happen under the same lock hold, any log kept by the observer is in exactly
/// the order the store changed (the replication log depends on this). Every removal — a caller's, an expiry, an
/// eviction — goes through here and carries its <see cref="RemovalReason"/>.
/// </remarks>
internal sealed class StoreWriter(Lock writeLock, EntryTable table, StoreLedger ledger, StoreRole role, SlidingRenewal renewal, LruEviction? eviction, StoreClock clock)
{
    /// <summary>Stores a fully built entry, replacing any entry with the same key, then evicts to stay under the size limit.</summary>
    public void Insert(byte[] blob)
    {
        if (role.IsAuthoritative && eviction is { } bound && StoreLedger.Cost(blob) > bound.LimitBytes)
        {
            throw new ArgumentOutOfRangeException("value", blob.Length, $"The entry needs {StoreLedger.Cost(blob)} bytes, more than SizeLimitBytes ({bound.LimitBytes}) allows for the whole cache.");
        }

        int hash = KeyCodec.Hash(EntryLayout.Key(blob));
        lock (writeLock)
        {
            byte[]? replaced = table.Upsert(blob, hash);
            if (replaced is not null)
            {
                ledger.Forget(replaced);
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
        int hash = KeyCodec.Hash(key);
        lock (writeLock)
        {
            byte[]? removed = table.Remove(key, hash);
            if (removed is null)
            {
                return false;
            }

            ledger.Forget(removed);
            role.Observer?.OnRemoved(key, RemovalReason.Removed);
            return true;
        }
    }

    /// <summary>Drops every entry.</summary>
    public void Clear()
    {
        lock (writeLock)
        {
            table.Clear();
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

    /// <summary>A read found <paramref name="blob"/> expired: an authoritative store removes it, a secondary leaves it to its primary.</summary>
    public void RemoveIfExpired(ReadOnlySpan<byte> key, byte[] blob)
    {
        if (!role.IsAuthoritative)
        {
            return;
        }

        int hash = KeyCodec.Hash(key);
        lock (writeLock)
        {
            // Re-check under the lock: the entry may have been replaced or renewed since the read saw it, and the
            // store may have become a secondary, which never removes on its own.
            byte[]? current = table.Find(key, hash);
            if (!role.IsAuthoritative || !ReferenceEquals(current, blob) || !EntryLayout.IsExpired(blob, clock.NowMs()))
            {
                return;
            }

            table.Remove(key, hash);
            ledger.Forget(blob);
            ledger.CountRemoval(RemovalReason.Expired);
            role.Observer?.OnRemoved(key, RemovalReason.Expired);
        }
    }

    /// <summary>Removes a slot found by a scan, if it still holds <paramref name="blob"/>. Caller holds the write lock.</summary>
    /// <returns>False when the slot changed or the table was resized since the scan read it.</returns>
    public bool RemoveScanned(EntryTable.Slot[] slots, int index, byte[] blob, RemovalReason reason)
    {
        if (!table.RemoveIfSame(slots, index, blob))
        {
            return false;
        }

        ledger.Forget(blob);
        ledger.CountRemoval(reason);
        role.Observer?.OnRemoved(EntryLayout.Key(blob), reason);
        return true;
    }

    /// <summary>Evicts until the books are under the bound, never the entry just written. Caller holds the write lock.</summary>
    private void EvictUntilUnder(LruEviction bound, byte[] protectedEntry)
    {
        long now = clock.NowMs();
        while (ledger.SizeBytes > bound.LimitBytes && table.Count > 1)
        {
            EntryTable.Slot[] slots = table.Slots;
            if (bound.TryPickVictim(slots, protectedEntry, now, out int index, out byte[]? victim, out bool expired))
            {
                RemoveScanned(slots, index, victim, expired ? RemovalReason.Expired : RemovalReason.Evicted);
            }
        }
    }
}
