using System.Buffers.Binary;
using System.IO.Hashing;

namespace ReplCache.Storage;

/// <summary>Walks over the whole table: counts, <c>KEYS</c>, <c>SCAN</c>, enumeration for snapshots, the digest.</summary>
/// <remarks>
/// Every walk but the digest is lock-free and reads the slot array once, so it sees a consistent (if slightly
/// older) table; writers racing with it may or may not be reflected.
/// </remarks>
internal sealed class KeyScanner(Lock writeLock, EntryTable table, StoreLedger ledger, StoreClock clock)
{
    /// <summary>Live (unexpired) entries. O(1) while no entry can expire; otherwise one lock-free pass.</summary>
    public long CountLive()
    {
        if (ledger.ExpiringCount == 0)
        {
            return table.Count;
        }

        long now = clock.NowMs();
        long live = 0;
        EntryTable.Slot[] slots = table.Slots;
        for (int i = 0; i < slots.Length; i++)
        {
            if (IsLive(Volatile.Read(ref slots[i].Entry), now))
            {
                live++;
            }
        }

        return live;
    }

    /// <summary>Live entries and how many of them have an expiry (INFO's keyspace line), in one lock-free pass.</summary>
    public (long Keys, long Expiring) CountLiveAndExpiring()
    {
        long now = clock.NowMs();
        long keys = 0, expiring = 0;
        foreach (byte[] blob in EnumerateLive(now))
        {
            keys++;
            if (EntryLayout.CanExpire(blob))
            {
                expiring++;
            }
        }

        return (keys, expiring);
    }

    /// <summary>Keys of live entries matching a Redis glob. Each key appears once even if writers race with the scan.</summary>
    public List<string> GetKeys(KeyPattern pattern)
    {
        long versionBefore = ledger.Version;
        long now = clock.NowMs();
        var keys = new List<string>();
        foreach (byte[] blob in EnumerateLive(now))
        {
            string text = KeyCodec.Decode(EntryLayout.Key(blob));
            if (pattern.IsMatch(text))
            {
                keys.Add(text);
            }
        }

        // Linear probing never moves an entry, but a key removed and re-added during the scan can land in an
        // earlier tombstone and be seen twice; only then is de-duplication worth its cost.
        if (ledger.Version != versionBefore)
        {
            keys = new HashSet<string>(keys, StringComparer.Ordinal).ToList();
        }

        return keys;
    }

    /// <summary>
    /// Live entries, lock-free, in table order. A concurrent writer may or may not be reflected, and a key
    /// re-added during the walk may appear twice; consumers that need an exact view take the write lock.
    /// </summary>
    public IEnumerable<byte[]> EnumerateLive(long nowMs)
    {
        EntryTable.Slot[] slots = table.Slots;
        for (int i = 0; i < slots.Length; i++)
        {
            byte[]? blob = Volatile.Read(ref slots[i].Entry);
            if (IsLive(blob, nowMs))
            {
                yield return blob!;
            }
        }
    }

    /// <summary>
    /// One step of Redis's <c>SCAN</c>: visits home slots from <paramref name="cursor"/> in Redis's reverse-binary
    /// order and adds the keys of the live entries whose home slot each is, until about <paramref name="count"/>
    /// keys were found. Returns the next cursor, 0 when the walk is complete.
    /// </summary>
    /// <remarks>
    /// The guarantee, as Redis's <c>dictScan</c>: every key present from the first call to the last is returned at
    /// least once (possibly more often). Entries are grouped by home slot (hash &amp; mask), not by the slot they sit
    /// in, because linear probing may park an entry further on — but never past an empty slot, since removals leave
    /// tombstones; so the entries of home slot h are all in the run from h to the next empty slot. Between calls
    /// the table may double or halve. The cursor counts with its bits reversed, so a cursor c over a table of size
    /// 2^k means "every home slot whose low k bits, reversed, are below c's is done": when the table doubles, the
    /// slots c splits into (c and c + 2^k) are both still ahead; when it halves, slots merge and some are visited
    /// again (duplicates, which Redis allows too).
    /// </remarks>
    public ulong Scan(ulong cursor, int count, List<string> keys)
    {
        long now = clock.NowMs();
        EntryTable.Slot[] slots = table.Slots;
        ulong mask = (ulong)slots.Length - 1;
        int visits = 0;
        int maxVisits = count * 10; // Redis's bound on empty buckets visited per call
        do
        {
            int home = (int)(cursor & mask);
            for (int i = home, probes = 0; probes < slots.Length; i = (i + 1) & (int)mask, probes++)
            {
                byte[]? blob = Volatile.Read(ref slots[i].Entry);
                if (blob is null)
                {
                    break;
                }

                if (!ReferenceEquals(blob, EntryTable.Tombstone) && !EntryLayout.IsExpired(blob, now)
                    && (KeyCodec.Hash(EntryLayout.Key(blob)) & (int)mask) == home)
                {
                    keys.Add(KeyCodec.Decode(EntryLayout.Key(blob)));
                }
            }

            cursor = NextCursor(cursor, mask);
            visits++;
        }
        while (cursor != 0 && keys.Count < count && visits < maxVisits);

        return cursor;
    }

    /// <summary>
    /// An order-independent digest of every live entry's key, value, absolute expiry and sliding window: the
    /// wrapping sum of each entry's 128-bit XxHash, followed by the entry count, as 40 hex digits (the length
    /// of Redis's <c>DEBUG DIGEST</c>; all zeros for an empty store, as in Redis). Taken under the write lock
    /// so that it describes one moment. The moving sliding deadline is left out: it changes on every read.
    /// </summary>
    public string ComputeDigest()
    {
        lock (writeLock)
        {
            long now = clock.NowMs();
            UInt128 sum = 0;
            uint count = 0;
            Span<byte> trailer = stackalloc byte[16];
            Span<byte> keyLength = stackalloc byte[4];
            var hasher = new XxHash128();
            foreach (byte[] blob in EnumerateLive(now))
            {
                ReadOnlySpan<byte> key = EntryLayout.Key(blob);
                BinaryPrimitives.WriteInt64LittleEndian(trailer, EntryLayout.AbsoluteExpiryMs(blob));
                BinaryPrimitives.WriteInt64LittleEndian(trailer[8..], EntryLayout.SlidingMs(blob));
                hasher.Reset();
                BinaryPrimitives.WriteInt32LittleEndian(keyLength, key.Length);
                hasher.Append(keyLength);
                hasher.Append(key);
                hasher.Append(EntryLayout.Value(blob));
                hasher.Append(trailer);
                sum += hasher.GetCurrentHashAsUInt128();
                count++;
            }

            return count == 0 ? new string('0', 40) : $"{sum:x32}{count:x8}";
        }
    }

    /// <summary>Redis's reverse-binary increment: set the bits above the mask, reverse, add one, reverse back.</summary>
    internal static ulong NextCursor(ulong cursor, ulong mask)
    {
        cursor |= ~mask;
        cursor = ReverseBits(cursor);
        cursor++;
        return ReverseBits(cursor);
    }

    private static ulong ReverseBits(ulong v)
    {
        v = ((v >> 1) & 0x5555555555555555UL) | ((v & 0x5555555555555555UL) << 1);
        v = ((v >> 2) & 0x3333333333333333UL) | ((v & 0x3333333333333333UL) << 2);
        v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FUL) | ((v & 0x0F0F0F0F0F0F0F0FUL) << 4);
        return BinaryPrimitives.ReverseEndianness(v);
    }

    private static bool IsLive(byte[]? blob, long nowMs) =>
        blob is not null && !ReferenceEquals(blob, EntryTable.Tombstone) && !EntryLayout.IsExpired(blob, nowMs);
}
