using System.Diagnostics;

namespace ReplCache.Storage;

/// <summary>
/// Active expiry, after Redis's <c>activeExpireCycle</c>: reclaims the memory of expired entries nobody reads
/// again. Reads already hide an entry the moment it expires; this only frees it. Runs on an authoritative store
/// only — a secondary's removals come from its primary.
/// </summary>
internal sealed class ExpirySweep(Lock writeLock, EntryTable table, StoreLedger ledger, StoreClock clock, StoreRole role, StoreWriter writer)
{
    /// <summary>Slots examined per lock hold; a few microseconds, so writers never wait long.</summary>
    private const int SlotsPerBatch = 1024;

    /// <summary>Slots examined per cycle at the least, so a sparse table is still fully swept every few seconds.</summary>
    private const int MinSlotsPerCycle = 16 * SlotsPerBatch;

    /// <summary>At most this share of the timer period is spent expiring, however many entries are stale.</summary>
    private static readonly long CycleBudgetTicks = Stopwatch.Frequency / 400; // 2.5 ms of every 100 ms

    private int _cursor;
    private int _running;

    /// <summary>One cycle from the housekeeping timer; skipped while the previous one still runs, so cycles never stack.</summary>
    public void RunFromTimer()
    {
        if (Interlocked.Exchange(ref _running, 1) == 1)
        {
            return;
        }

        try
        {
            RunCycle();
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    /// <summary>
    /// One cycle: walk the table from a cursor in short batches under the write lock, delete what has expired,
    /// and keep going while the share of stale entries found stays above 10% and the time budget lasts.
    /// </summary>
    /// <returns>How many entries it removed.</returns>
    public int RunCycle()
    {
        if (!role.IsAuthoritative || ledger.ExpiringCount == 0)
        {
            return 0;
        }

        long started = Stopwatch.GetTimestamp();
        int removedTotal = 0;
        int slotsScanned = 0;
        while (true)
        {
            int examined = 0, removed = 0;
            lock (writeLock)
            {
                EntryTable.Slot[] slots = table.Slots;
                long now = clock.NowMs();
                int batch = Math.Min(SlotsPerBatch, slots.Length);
                for (int n = 0; n < batch; n++)
                {
                    int index = _cursor++ & (slots.Length - 1);
                    if (!slots[index].IsLive)
                    {
                        continue;
                    }

                    Entry blob = table.Resolve(slots[index].Handle);
                    if (!EntryLayout.CanExpire(blob))
                    {
                        continue;
                    }

                    examined++;
                    if (EntryLayout.IsExpired(blob, now))
                    {
                        if (!writer.RemoveScanned(slots, index, blob, RemovalReason.Expired))
                        {
                            break; // the table was resized under us; the next batch reads the new one
                        }

                        removed++;
                    }
                }

                slotsScanned += batch;
                removedTotal += removed;
                if (ledger.ExpiringCount == 0)
                {
                    break;
                }
            }

            bool manyStale = examined > 0 && removed * 10 > examined;
            bool owesMinimum = slotsScanned < Math.Min(MinSlotsPerCycle, table.Capacity);
            if ((!manyStale && !owesMinimum) || Stopwatch.GetTimestamp() - started > CycleBudgetTicks)
            {
                break;
            }
        }

        return removedTotal;
    }

    /// <summary>Removes every expired entry now, through the one removal path (a snapshot just loaded).</summary>
    public int RemoveAllExpired()
    {
        int removed = 0;
        lock (writeLock)
        {
            long now = clock.NowMs();
            EntryTable.Slot[] slots = table.Slots;
            for (int i = 0; i < slots.Length; i++)
            {
                if (slots[i].IsLive && table.Resolve(slots[i].Handle) is var blob && EntryLayout.IsExpired(blob, now))
                {
                    if (!writer.RemoveScanned(slots, i, blob, RemovalReason.Expired))
                    {
                        slots = table.Slots; // the table shrank; start over on the new one
                        i = -1;
                        continue;
                    }

                    removed++;
                }
            }
        }

        return removed;
    }
}
