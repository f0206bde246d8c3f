using System.Diagnostics;

namespace ReplCache.Storage;

internal sealed partial class CacheStore
{
    /// <summary>How often the housekeeping timer runs: Redis's default <c>hz 10</c>.</summary>
    internal static readonly TimeSpan TimerPeriod = TimeSpan.FromMilliseconds(100);

    /// <summary>Slots examined per lock hold; a few microseconds, so writers never wait long.</summary>
    private const int SlotsPerBatch = 1024;

    /// <summary>Slots examined per cycle at the least, so a sparse table is still fully swept every few seconds.</summary>
    private const int MinSlotsPerCycle = 16 * SlotsPerBatch;

    /// <summary>At most this share of the timer period is spent expiring, however many entries are stale.</summary>
    private static readonly long CycleBudgetTicks = Stopwatch.Frequency / 400; // 2.5 ms of every 100 ms

    private readonly ITimer _expiryTimer;
    private int _accessClock;
    private int _sweepCursor;
    private int _cycleRunning;

    /// <summary>
    /// One active expiry cycle, after Redis's <c>activeExpireCycle</c>: walk the table from a cursor in short
    /// batches under the write lock, delete what has expired, and keep going while the share of stale entries
    /// found stays above 10% and the time budget lasts. Memory of entries nobody reads again is reclaimed
    /// this way; reads already hide them the moment they expire.
    /// </summary>
    /// <returns>How many entries it removed.</returns>
    internal int RunExpiryCycle()
    {
        if (!IsAuthoritative || Volatile.Read(ref _expiringCount) == 0)
        {
            return 0;
        }

        long started = Stopwatch.GetTimestamp();
        int removedTotal = 0;
        int slotsScanned = 0;
        while (true)
        {
            int examined = 0, removed = 0;
            lock (_writeLock)
            {
                EntryTable.Slot[] slots = _table.Slots;
                long now = _clock.NowMs();
                int batch = Math.Min(SlotsPerBatch, slots.Length);
                for (int n = 0; n < batch; n++)
                {
                    int index = _sweepCursor++ & (slots.Length - 1);
                    byte[]? blob = slots[index].Entry;
                    if (blob is null || ReferenceEquals(blob, EntryTable.Tombstone) || !EntryLayout.CanExpire(blob))
                    {
                        continue;
                    }

                    examined++;
                    if (EntryLayout.IsExpired(blob, now))
                    {
                        if (!RemoveScanned(slots, index, blob, RemovalReason.Expired))
                        {
                            break; // the table was resized under us; the next batch reads the new one
                        }

                        removed++;
                    }
                }

                slotsScanned += batch;
                removedTotal += removed;
                if (_expiringCount == 0)
                {
                    break;
                }
            }

            bool manyStale = examined > 0 && removed * 10 > examined;
            bool owesMinimum = slotsScanned < Math.Min(MinSlotsPerCycle, _table.Capacity);
            if ((!manyStale && !owesMinimum) || Stopwatch.GetTimestamp() - started > CycleBudgetTicks)
            {
                break;
            }
        }

        return removedTotal;
    }

    /// <summary>Removes every expired entry now, through the one removal path (a snapshot just loaded).</summary>
    internal int RemoveAllExpired()
    {
        int removed = 0;
        lock (_writeLock)
        {
            long now = _clock.NowMs();
            EntryTable.Slot[] slots = _table.Slots;
            for (int i = 0; i < slots.Length; i++)
            {
                byte[]? blob = slots[i].Entry;
                if (blob is not null && !ReferenceEquals(blob, EntryTable.Tombstone) && EntryLayout.IsExpired(blob, now))
                {
                    if (!RemoveScanned(slots, i, blob, RemovalReason.Expired))
                    {
                        slots = _table.Slots; // the table shrank; start over on the new one
                        i = -1;
                        continue;
                    }

                    removed++;
                }
            }
        }

        return removed;
    }

    private void OnTimerTick()
    {
        Interlocked.Increment(ref _accessClock);
        if (Interlocked.Exchange(ref _cycleRunning, 1) == 1)
        {
            return; // the previous cycle is still running; never stack them
        }

        try
        {
            RunExpiryCycle();
        }
        finally
        {
            Volatile.Write(ref _cycleRunning, 0);
        }
    }

    private void TouchAccessClock(byte[] blob)
    {
        int now = Volatile.Read(ref _accessClock);
        // Coarse clock, written only when it moved: a hot key is written once per tick, not once per read.
        if (EntryLayout.AccessClock(blob) != now)
        {
            EntryLayout.SetAccessClock(blob, now);
        }
    }
}
