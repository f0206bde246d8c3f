using System.Runtime.CompilerServices;
using ReplCache.Storage.Memory;

namespace ReplCache.Storage;

/// <summary>
/// An open-addressing hash table of entries with one writer at a time and any number of lock-free readers.
/// </summary>
/// <remarks>
/// <para>Writers are serialised by <see cref="CacheStore"/>'s write lock; readers never lock. Three rules make
/// lock-free reads safe:
/// <list type="bullet">
/// <item>a slot is one long — the entry's handle and a tag of its key's hash — written and read whole, so a reader
/// never sees one entry's handle with another's tag; a key is always confirmed by comparing bytes, the tag only
/// spares most of those comparisons;</item>
/// <item>entries never move within a slot array: a removal leaves a tombstone, so a probe chain is never cut;</item>
/// <item>a resize builds a new array and publishes it whole; the old array is never written again, so a reader
/// still walking it sees a consistent (if slightly older) table.</item>
/// </list></para>
/// <para>Linear probing keeps a probe within a few cache lines; the table doubles above 3/4 occupancy (live entries
/// plus tombstones) and halves below 1/16. A slot is 8 bytes: the 40-bit handle (see <see cref="SlabAllocator"/>)
/// and the low 24 bits of the key's hash as a tag (slots of a handle and a whole 32-bit hash were 16 bytes with
/// padding: 16 bytes per entry more at the table's usual half occupancy). The home slot is the hash's low bits
/// too, so a resize to up to 2^24 slots finds each entry's new home in its slot alone, as it did with the whole
/// hash; only beyond that does it read each key again. The tag's bits above the table's index are what spare a
/// probe its key comparisons with entries of the same home slot: 3 bits at 2^21 slots (1M entries), so about one
/// such entry in eight is compared needlessly — a few percent of reads, where taking the tag from the hash's top
/// bits instead made every resize re-read every key (measured: a quarter of the time to fill 1M entries).</para>
/// <para>Slots hold handles, not references, so the GC never walks the table; the entries themselves live in
/// <see cref="EntryHeap"/>, and a reader resolving a handle must be inside its protection (an entry the writer
/// replaces is reused only once such readers have left).</para>
/// </remarks>
internal sealed class EntryTable(EntryHeap heap)
{
    private const int MinCapacity = 16;

    /// <summary>Slot arrays from this size on (the large object heap's threshold, 85,000 bytes, rounded up to a power of two) are pinned.</summary>
    private const int PinnedCapacity = 16 * 1024;

    /// <summary>Marks a removed entry's slot: all ones, a handle no page can have (see <see cref="SlabAllocator"/>).</summary>
    internal const long Tombstone = -1;

    private const int TagBits = 64 - SlabAllocator.HandleBits;
    private const long TagMask = (1L << TagBits) - 1;

    /// <summary>The largest table whose home slots the tags alone determine.</summary>
    private const int TaggedCapacity = 1 << TagBits;

    private Slot[] _slots = new Slot[MinCapacity];
    private int _count;
    private int _tombstones;

    public int Count => Volatile.Read(ref _count);

    public int Capacity => Volatile.Read(ref _slots).Length;

    /// <summary>The live slot array for scans (enumeration, sampling). Read it once per scan.</summary>
    public Slot[] Slots => Volatile.Read(ref _slots);

    /// <summary>The home slot of a key of <paramref name="hash"/> in a table of <paramref name="mask"/> + 1 slots.</summary>
    public static int Home(ulong hash, int mask) => (int)hash & mask;

    /// <summary>
    /// The home slot of the entry a live slot <paramref name="word"/> holds, read from its tag (the hash's low bits)
    /// without touching the entry; -1 when the table is larger than the tags can tell (<see cref="TaggedCapacity"/>).
    /// </summary>
    public static int HomeOfTag(long word, int mask) => mask < TaggedCapacity ? (int)(word & TagMask) & mask : -1;

    /// <summary>Finds the entry for <paramref name="key"/>. Safe to call concurrently with one writer.</summary>
    /// <remarks>The caller is inside the heap's read protection, or is the writer.</remarks>
    /// <returns>The entry, or a null entry (<see cref="Entry.IsNull"/>).</returns>
    public Entry Find(ReadOnlySpan<byte> key, ulong hash)
    {
        Slot[] slots = Volatile.Read(ref _slots);
        int mask = slots.Length - 1;
        int index = Home(hash, mask);
        long tag = TagOf(hash);
        for (int probe = 0; probe < slots.Length; probe++)
        {
            long word = Volatile.Read(ref slots[index].Word);
            if (word == 0)
            {
                return default;
            }

            if ((word & TagMask) == tag && word != Tombstone)
            {
                Entry entry = heap.Resolve(Slot.HandleOf(word));
                if (EntryLayout.Key(entry).SequenceEqual(key))
                {
                    return entry;
                }
            }

            index = (index + 1) & mask;
        }

        return default;
    }

    /// <summary>Resolves a slot's handle (not null, not a tombstone) to its entry. Same protection as <see cref="Find"/>.</summary>
    public Entry Resolve(long handle) => heap.Resolve(handle);

    /// <summary>Whether <paramref name="entry"/> itself (not just its key) is in the table.</summary>
    public bool Contains(Entry entry)
    {
        ReadOnlySpan<byte> key = EntryLayout.Key(entry);
        return Find(key, KeyCodec.Hash(key)) == entry;
    }

    /// <summary>Inserts or replaces the entry for the key held in <paramref name="entry"/>. Writer only.</summary>
    /// <returns>The entry it replaced (the caller retires it), or a null entry.</returns>
    public Entry Upsert(Entry entry, ulong hash)
    {
        ReadOnlySpan<byte> key = EntryLayout.Key(entry);
        Slot[] slots = _slots;
        int mask = slots.Length - 1;
        int index = Home(hash, mask);
        long tag = TagOf(hash);
        long word = Slot.Compose(entry.Handle, tag);
        int firstTombstone = -1;
        for (int probe = 0; probe < slots.Length; probe++)
        {
            ref Slot slot = ref slots[index];
            long existing = slot.Word;
            if (existing == 0)
            {
                break;
            }

            if (existing == Tombstone)
            {
                if (firstTombstone < 0)
                {
                    firstTombstone = index;
                }
            }
            else if ((existing & TagMask) == tag)
            {
                Entry current = heap.Resolve(Slot.HandleOf(existing));
                if (EntryLayout.Key(current).SequenceEqual(key))
                {
                    Volatile.Write(ref slot.Word, word);
                    return current;
                }
            }

            index = (index + 1) & mask;
        }

        if (firstTombstone >= 0)
        {
            Volatile.Write(ref slots[firstTombstone].Word, word);
            _tombstones--;
        }
        else
        {
            Volatile.Write(ref slots[index].Word, word);
        }

        Volatile.Write(ref _count, _count + 1);
        if ((_count + _tombstones) * 4L > slots.Length * 3L)
        {
            Resize(_count * 4L > slots.Length ? slots.Length * 2 : slots.Length);
        }

        return default;
    }

    /// <summary>Removes the entry for <paramref name="key"/>. Writer only.</summary>
    /// <returns>The removed entry (the caller retires it), or a null entry when the key was absent.</returns>
    public Entry Remove(ReadOnlySpan<byte> key, ulong hash)
    {
        Slot[] slots = _slots;
        int mask = slots.Length - 1;
        int index = Home(hash, mask);
        long tag = TagOf(hash);
        for (int probe = 0; probe < slots.Length; probe++)
        {
            long existing = slots[index].Word;
            if (existing == 0)
            {
                return default;
            }

            if ((existing & TagMask) == tag && existing != Tombstone)
            {
                Entry current = heap.Resolve(Slot.HandleOf(existing));
                if (EntryLayout.Key(current).SequenceEqual(key))
                {
                    RemoveAt(slots, index);
                    return current;
                }
            }

            index = (index + 1) & mask;
        }

        return default;
    }

    /// <summary>
    /// Removes the entry in slot <paramref name="index"/> of <paramref name="slots"/> if that slot still holds
    /// <paramref name="expected"/> and <paramref name="slots"/> is still the live array. Writer only.
    /// </summary>
    public bool RemoveIfSame(Slot[] slots, int index, Entry expected)
    {
        if (!ReferenceEquals(slots, _slots) || !slots[index].IsLive || slots[index].Handle != expected.Handle)
        {
            return false;
        }

        RemoveAt(slots, index);
        return true;
    }

    /// <summary>Grows the table ahead of <paramref name="entries"/> inserts (a full sync knows its size), sparing the doublings. Writer only.</summary>
    public void Reserve(long entries)
    {
        long wanted = Math.Min(entries * 2, 1L << 30);
        if (wanted > _slots.Length)
        {
            Resize((int)Math.Min(System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)wanted), 1UL << 30));
        }
    }

    /// <summary>Drops every entry. Writer only; the caller retires them all.</summary>
    public void Clear()
    {
        Volatile.Write(ref _slots, new Slot[MinCapacity]);
        _tombstones = 0;
        Volatile.Write(ref _count, 0);
    }

    /// <summary>
    /// Exchanges this table's entries with <paramref name="other"/>'s (a full sync's staged load taking the live
    /// table's place). Writer only; both tables index entries of the same heap, so every handle stays valid.
    /// </summary>
    /// <remarks>
    /// Readers of this table switch at once: a reader that read the old slot array before the exchange finishes its
    /// probe in it, and the entries it resolves stay readable until it leaves the heap's protection (the caller
    /// retires them; see <see cref="EntryHeap"/>). Nobody reads <paramref name="other"/> without the write lock.
    /// </remarks>
    public void ExchangeContents(EntryTable other)
    {
        Slot[] slots = _slots;
        int count = _count;
        int tombstones = _tombstones;
        _tombstones = other._tombstones;
        Volatile.Write(ref _slots, other._slots);
        Volatile.Write(ref _count, other._count);
        other._tombstones = tombstones;
        other._slots = slots;
        other._count = count;
    }

    /// <summary>
    /// A slot array. A large one is pinned, beside the entries' pages: the pinned heap is not compacted either, but a
    /// table outgrown there is room for the pages that follow, where on the large object heap it stayed a hole.
    /// </summary>
    private static Slot[] NewSlots(int capacity) => GC.AllocateArray<Slot>(capacity, pinned: capacity >= PinnedCapacity);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long TagOf(ulong hash) => (long)hash & TagMask;

    private void RemoveAt(Slot[] slots, int index)
    {
        Volatile.Write(ref slots[index].Word, Tombstone);
        _tombstones++;
        Volatile.Write(ref _count, _count - 1);
        if (slots.Length > MinCapacity && _count * 16L < slots.Length)
        {
            try
            {
                Resize(slots.Length / 2);
            }
            catch (OutOfMemoryException)
            {
                // Shrinking only saves memory: a table left larger is correct, and the next removal tries again.
                // Failing here would leave the caller's entry unlinked but never retired (a leak, and a block a
                // walk in memory order would still hand over).
            }
        }
    }

    private void Resize(int capacity)
    {
        // Growth happens at 3/4 occupancy and halves it; shrinking happens at 1/16 and doubles it. This only
        // guards the invariant that a fresh table is at most half full.
        capacity = Math.Max(capacity, MinCapacity);
        while (_count * 2L > capacity)
        {
            capacity *= 2;
        }

        Slot[] old = _slots;
        Slot[] fresh = NewSlots(capacity);
        int mask = capacity - 1;
        foreach (ref readonly Slot slot in old.AsSpan())
        {
            if (!slot.IsLive)
            {
                continue;
            }

            // The tag is the hash's low bits, all a table of up to TaggedCapacity slots indexes by; a larger one
            // needs more of them than the slot keeps, so the key is hashed again.
            int index = HomeOfTag(slot.Word, mask) is int tagged and >= 0 ? tagged : Home(KeyCodec.Hash(EntryLayout.Key(heap.Resolve(slot.Handle))), mask);
            while (fresh[index].Word != 0)
            {
                index = (index + 1) & mask;
            }

            fresh[index].Word = slot.Word;
        }

        _tombstones = 0;
        Volatile.Write(ref _slots, fresh);
    }

    /// <summary>
    /// One table slot: 0 (never used), <see cref="Tombstone"/>, or an entry's handle in the high 40 bits and the
    /// low 24 bits of its key's hash in the low 24. No reference, so the GC skips the array.
    /// </summary>
    internal struct Slot
    {
        public long Word;

        public readonly bool IsLive => Word != 0 && Word != Tombstone;

        /// <summary>The entry's handle; meaningful when <see cref="IsLive"/>.</summary>
        public readonly long Handle => HandleOf(Word);

        public static long HandleOf(long word) => (long)((ulong)word >> TagBits);

        public static long Compose(long handle, long tag) => (handle << TagBits) | tag;
    }
}
