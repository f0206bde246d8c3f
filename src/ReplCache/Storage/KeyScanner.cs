using System.Buffers.Binary;
using System.IO.Hashing;
using ReplCache.Storage.Memory;

namespace ReplCache.Storage;

/// <summary>Walks over the whole table: counts, <c>KEYS</c>, <c>SCAN</c>, the walks of snapshots and full syncs, the digest.</summary>
/// <remarks>
/// Every walk but the digest is lock-free and inside the store's read protection (see <see cref="StoreReadScope"/>);
/// writers racing with it may or may not be reflected.
/// </remarks>
internal sealed class KeyScanner(Lock writeLock, EntryTable table, EntryHeap heap, StoreLedger ledger, StoreClock clock)
{
    /// <summary>Live (unexpired) entries. O(1) while no entry can expire; otherwise one lock-free pass.</summary>
    public long CountLive()
    {
        if (ledger.ExpiringCount == 0)
        {
            return table.Count;
        }

        return CountLiveAndExpiring().Keys;
    }

    /// <summary>Live entries and how many of them have an expiry (INFO's keyspace line), in one lock-free pass.</summary>
    public (long Keys, long Expiring) CountLiveAndExpiring()
    {
        var counter = new Counter();
        WalkAll(ref counter);
        return (counter.Keys, counter.Expiring);
    }

    /// <summary>Keys of live entries matching a Redis glob. Each key appears once even if writers race with the scan.</summary>
    public List<string> GetKeys(KeyPattern pattern)
    {
        long versionBefore = ledger.Version;
        var collector = new KeyCollector(pattern);
        WalkAll(ref collector);
        List<string> keys = collector.Keys;

        // Linear probing never moves an entry, but a key removed and re-added during the scan can land in an
        // earlier tombstone and be seen twice; only then is de-duplication worth its cost.
        if (ledger.Version != versionBefore)
        {
            keys = new HashSet<string>(keys, StringComparer.Ordinal).ToList();
        }

        return keys;
    }

    /// <summary>
    /// Hands every live entry to <paramref name="sink"/> in one lock-free pass in table order, inside one read
    /// protection. A concurrent writer may or may not be reflected, and a key re-added during the walk may be
    /// seen twice; consumers that need an exact view hold the write lock.
    /// </summary>
    /// <remarks>
    /// The slot array is read once, after the protection began: an entry in it was either still in the table then
    /// or came later, so none was retired before the protection and none can be reused during the walk, even if
    /// the table is resized meanwhile. A walk that must pause (a snapshot streamed over the network) cannot hold
    /// the protection across its pauses; it uses <see cref="Walk{TSink}"/> instead.
    /// </remarks>
    public void WalkAll<TSink>(ref TSink sink)
        where TSink : struct, IEntrySink
    {
        using var scope = new StoreReadScope(heap);
        long now = clock.NowMs();
        EntryTable.Slot[] slots = table.Slots;
        for (int i = 0; i < slots.Length; i++)
        {
            long word = Volatile.Read(ref slots[i].Word);
            if (word == 0 || word == EntryTable.Tombstone)
            {
                continue;
            }

            Entry entry = table.Resolve(EntryTable.Slot.HandleOf(word));
            if (!EntryLayout.IsExpired(entry, now))
            {
                sink.Accept(entry);
            }
        }
    }

    /// <summary>
    /// One step of a walk that may pause between steps: from <paramref name="cursor"/> (0 to start), hands the live
    /// entries of home slot after home slot to <paramref name="sink"/> until it is full, and returns the cursor to
    /// continue from, 0 once every home slot was visited. Each step is one read protection of its own.
    /// </summary>
    /// <remarks>
    /// The walk is <see cref="Scan"/>'s: every entry present from the first step to the last is handed over at least
    /// once, whatever resizes happen between steps (some may be handed over twice). Each step re-reads the slot
    /// array under its protection, so it never resolves a handle an older array still held after the entry was
    /// retired.
    /// </remarks>
    public ulong Walk<TSink>(ulong cursor, ref TSink sink)
        where TSink : struct, IEntrySink
    {
        using var scope = new StoreReadScope(heap);
        long now = clock.NowMs();
        EntryTable.Slot[] slots = table.Slots;
        ulong mask = (ulong)slots.Length - 1;
        do
        {
            VisitHome(slots, (int)(cursor & mask), now, ref sink);
            cursor = NextCursor(cursor, mask);
        }
        while (cursor != 0 && !sink.IsFull);

        return cursor;
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
        using var scope = new StoreReadScope(heap);
        long now = clock.NowMs();
        EntryTable.Slot[] slots = table.Slots;
        ulong mask = (ulong)slots.Length - 1;
        var collector = new KeyCollector(null, keys);
        int visits = 0;
        int maxVisits = count * 10; // Redis's bound on empty buckets visited per call
        do
        {
            VisitHome(slots, (int)(cursor & mask), now, ref collector);
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
            var digest = new Digest(new XxHash128());
            WalkAll(ref digest);
            return digest.Count == 0 ? new string('0', 40) : $"{digest.Sum:x32}{digest.Count:x8}";
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

    /// <summary>Hands the live entries whose home slot is <paramref name="home"/> to the sink: the run from it to the next empty slot.</summary>
    private void VisitHome<TSink>(EntryTable.Slot[] slots, int home, long now, ref TSink sink)
        where TSink : struct, IEntrySink
    {
        int mask = slots.Length - 1;
        for (int i = home, probes = 0; probes < slots.Length; i = (i + 1) & mask, probes++)
        {
            long word = Volatile.Read(ref slots[i].Word);
            if (word == 0)
            {
                break;
            }

            if (word == EntryTable.Tombstone)
            {
                continue;
            }

            // The tag tells the home without resolving the entry (a cache miss into its page) or hashing its key:
            // a full sync's walk visits every run once per home slot in it, so this is most of the walk's cost.
            int tagHome = EntryTable.HomeOfTag(word, mask);
            if (tagHome >= 0 && tagHome != home)
            {
                continue;
            }

            Entry entry = table.Resolve(EntryTable.Slot.HandleOf(word));
            if ((tagHome >= 0 || EntryTable.Home(KeyCodec.Hash(EntryLayout.Key(entry)), mask) == home) && !EntryLayout.IsExpired(entry, now))
            {
                sink.Accept(entry);
            }
        }
    }

    private struct Counter : IEntrySink
    {
        public long Keys;
        public long Expiring;

        public readonly bool IsFull => false;

        public void Accept(Entry entry)
        {
            Keys++;
            if (EntryLayout.CanExpire(entry))
            {
                Expiring++;
            }
        }
    }

    private readonly struct KeyCollector(KeyPattern? pattern, List<string>? keys = null) : IEntrySink
    {
        public List<string> Keys { get; } = keys ?? [];

        public bool IsFull => false;

        public void Accept(Entry entry)
        {
            string text = KeyCodec.Decode(EntryLayout.Key(entry));
            if (pattern is null || pattern.IsMatch(text))
            {
                Keys.Add(text);
            }
        }
    }

    private struct Digest(XxHash128 hasher) : IEntrySink
    {
        public UInt128 Sum;
        public uint Count;

        public readonly bool IsFull => false;

        public void Accept(Entry entry)
        {
            Span<byte> trailer = stackalloc byte[16];
            Span<byte> keyLength = stackalloc byte[4];
            ReadOnlySpan<byte> key = EntryLayout.Key(entry);
            BinaryPrimitives.WriteInt64LittleEndian(trailer, EntryLayout.AbsoluteExpiryMs(entry));
            BinaryPrimitives.WriteInt64LittleEndian(trailer[8..], EntryLayout.SlidingMs(entry));
            hasher.Reset();
            BinaryPrimitives.WriteInt32LittleEndian(keyLength, key.Length);
            hasher.Append(keyLength);
            hasher.Append(key);
            hasher.Append(EntryLayout.Value(entry));
            hasher.Append(trailer);
            Sum += hasher.GetCurrentHashAsUInt128();
            Count++;
        }
    }
}
