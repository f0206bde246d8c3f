using System.Buffers.Binary;

namespace ReplCache.Storage.Memory;

/// <summary>
/// The store's allocator: entries live in a few pinned arrays (pages) instead of one array each, so the number of
/// objects the GC traces grows with the megabytes held, not with the entries, and no page is ever moved.
/// </summary>
/// <remarks>
/// <para>An entry is addressed by a 40-bit handle, so that a table slot holds it beside a tag of its key's hash in
/// one long (see <see cref="EntryTable"/>): the page's index plus one (so that 0 is no entry) in the high 23 bits,
/// the block's offset in 8-byte units in the low 17 — blocks start at multiples of 8, and no page is over 1 MiB.
/// 2^23 - 2 pages is at least 512 GiB of entries. Pages hold blocks of one <see cref="SizeClasses">size class</see>; the pages
/// of a class with a free block form a list, a freed block goes on its page's free list, and a page whose blocks
/// are all free is released (unless it is the only page of its class with room, kept to absorb churn). An entry
/// larger than every class is a page of its own, released when the entry is.</para>
/// <para>Pages are pinned (the pinned object heap): a compacting GC would otherwise copy the whole cache. Small
/// classes use 64 KB pages so that a small cache does not reserve a megabyte per class; larger ones hold 16 blocks.</para>
/// <para>Single writer: every method but <see cref="PageOf"/> and <see cref="PageIndexesIssued"/> runs under the store's write lock. Freeing is the
/// caller's to defer until no reader can still see the block (see <see cref="EntryHeap"/>).</para>
/// </remarks>
internal sealed class SlabAllocator
{
    /// <summary>Bits of a handle: what a table slot leaves beside its tag.</summary>
    public const int HandleBits = 40;

    private const int SmallPageBytes = 64 * 1024;
    private const int BlocksPerLargeClassPage = 16;
    private const int OffsetBits = 17;
    private const int OffsetUnitShift = 3;

    /// <summary>
    /// Where a free block keeps the offset of the next: its second word (an entry's access clock), so that the first
    /// stays the retired entry's shape, unlinked, and a walk in memory order (<see cref="PageWalk"/>) never mistakes
    /// a free block for an entry. Every block is at least 8 bytes.
    /// </summary>
    private const int FreeLinkOffset = 4;

    /// <summary>The most pages at once: the page part of a handle, less the all-ones value a table's tombstone holds.</summary>
    private const int MaxPages = (1 << (HandleBits - OffsetBits)) - 2;

    private readonly int[] _available = NewList();
    private readonly Stack<int> _freeIndexes = new();
    private SlabPage[] _pages = new SlabPage[64];
    private PageMemory[] _memory = new PageMemory[64];
    private int _indexesIssued;
    private long _reservedBytes;

    /// <summary>Bytes of all pages held: what the cache's entries really cost in memory, free blocks included.</summary>
    public long ReservedBytes => Volatile.Read(ref _reservedBytes);

    /// <summary>Pages held (slab pages and large entries): every index issued but not given back.</summary>
    public int PageCount => _indexesIssued - _freeIndexes.Count;

    /// <summary>The bytes of one page of <paramref name="sizeClass"/>: what a class keeps at the least once it has held anything.</summary>
    public static int PageBytes(int sizeClass) => Math.Max(SmallPageBytes, SizeClasses.BlockSize(sizeClass) * BlocksPerLargeClassPage);

    public static long Handle(int pageIndex, int offset) => ((long)(pageIndex + 1) << OffsetBits) | (uint)(offset >> OffsetUnitShift);

    public static int OffsetOf(long handle) => (int)(handle & ((1 << OffsetBits) - 1)) << OffsetUnitShift;

    private static int PageIndexOf(long handle) => (int)(handle >> OffsetBits) - 1;

    /// <summary>The array holding the entry <paramref name="handle"/> names. Lock-free; the caller is protected (see <see cref="EpochGuard"/>).</summary>
    public PageMemory PageOf(long handle) => Volatile.Read(ref _memory)[PageIndexOf(handle)];

    /// <summary>Page indexes handed out so far: every page is below it (some indexes are free).</summary>
    public int PageIndexesIssued => _indexesIssued;

    /// <summary>
    /// A page's array, block size and the end of the blocks ever handed out in it, for a walk in memory order; false
    /// for an index that holds no page or one taken out of use by <see cref="DetachAll"/>. Writer only (under the
    /// store's write lock): the walk reads the blocks afterwards, lock-free.
    /// </summary>
    public bool TryDescribePage(int index, out PageMemory memory, out int blockSize, out int end)
    {
        memory = _memory[index];
        ref SlabPage page = ref _pages[index];
        if (memory.IsEmpty || page.IsDetached)
        {
            blockSize = end = 0;
            return false;
        }

        (blockSize, end) = page.SizeClass == SlabPage.LargeClass ? (memory.Length, memory.Length) : (page.BlockSize, page.Bump);
        return true;
    }

    /// <summary>A block of at least <paramref name="bytes"/>, uninitialised.</summary>
    public long Allocate(int bytes)
    {
        if (bytes > SizeClasses.MaxSlabBlock)
        {
            int large = AddPage(GC.AllocateUninitializedArray<byte>(bytes, pinned: true), SlabPage.LargeClass, bytes);
            _pages[large].Used = 1;
            return Handle(large, 0);
        }

        int sizeClass = SizeClasses.ClassOf(bytes);
        int index = _available[sizeClass];
        if (index == SlabPage.NoPage)
        {
            index = NewSlabPage(sizeClass);
        }

        ref SlabPage page = ref _pages[index];
        int offset;
        if (page.FreeHead != SlabPage.NoBlock)
        {
            offset = page.FreeHead;
            page.FreeHead = BinaryPrimitives.ReadInt32LittleEndian(_memory[index].Array.AsSpan(offset + FreeLinkOffset));
        }
        else
        {
            offset = page.Bump;
            page.Bump += page.BlockSize;
        }

        page.Used++;
        if (page.IsFull)
        {
            Unlist(index);
        }

        return Handle(index, offset);
    }

    /// <summary>Returns a block to its page. No reader may still see it.</summary>
    public void Free(long handle)
    {
        int index = PageIndexOf(handle);
        PageMemory held = _memory[index];
        byte[] memory = held.IsEmpty ? throw new InvalidOperationException($"Handle {handle:x} names no page: freed twice?") : held.Array;
        ref SlabPage page = ref _pages[index];
        if (page.SizeClass == SlabPage.LargeClass)
        {
            Release(index);
            return;
        }

        int offset = OffsetOf(handle);
        BinaryPrimitives.WriteInt32LittleEndian(memory.AsSpan(offset + FreeLinkOffset), page.FreeHead);
        page.FreeHead = offset;
        page.Used--;
        if (!page.IsListed)
        {
            List(index);
        }

        // Keep the class's last page with room, so that a set-remove-set cycle does not allocate a page each time.
        if (page.Used == 0 && (page.Previous != SlabPage.NoPage || page.Next != SlabPage.NoPage))
        {
            Unlist(index);
            Release(index);
        }
    }

    /// <summary>
    /// Takes every page out of use at once (the store was cleared) and returns their indexes; they stay readable
    /// until <see cref="ReleasePages"/>, which the caller defers until no reader can still be in them.
    /// </summary>
    public List<int> DetachAll()
    {
        var detached = new List<int>(PageCount);
        for (int i = 0; i < _indexesIssued; i++)
        {
            if (!_memory[i].IsEmpty)
            {
                detached.Add(i);
                ref SlabPage page = ref _pages[i];
                page.IsDetached = true; // its entries were cleared: a walk in memory order skips it
                page.IsListed = false;
                page.Previous = page.Next = SlabPage.NoPage;
            }
        }

        Array.Fill(_available, SlabPage.NoPage);
        return detached;
    }

    /// <summary>Releases pages taken out of use by <see cref="DetachAll"/>.</summary>
    public void ReleasePages(List<int> indexes)
    {
        foreach (int index in indexes)
        {
            Release(index);
        }
    }

    private static int[] NewList()
    {
        var heads = new int[SizeClasses.Count];
        Array.Fill(heads, SlabPage.NoPage);
        return heads;
    }

    private int NewSlabPage(int sizeClass)
    {
        int index = AddPage(GC.AllocateUninitializedArray<byte>(PageBytes(sizeClass), pinned: true), sizeClass, SizeClasses.BlockSize(sizeClass));
        List(index);
        return index;
    }

    private int AddPage(byte[] memory, int sizeClass, int blockSize)
    {
        int index;
        if (!_freeIndexes.TryPop(out index))
        {
            if (_indexesIssued == MaxPages)
            {
                throw new InvalidOperationException($"The store holds {MaxPages} pages, as many as its handles can name.");
            }

            index = _indexesIssued++;
            if (index == _pages.Length)
            {
                Array.Resize(ref _pages, _pages.Length * 2);
                var grown = new PageMemory[_pages.Length];
                _memory.CopyTo(grown, 0);
                Volatile.Write(ref _memory, grown); // readers switch to the grown table; the old one stays valid
            }
        }

        _pages[index] = new SlabPage(sizeClass, blockSize, memory.Length);
        // A plain write of the two fields: no reader looks at this index until a handle into it is published in the
        // table, which is a volatile write after this one.
        _memory[index] = new PageMemory(memory);
        Volatile.Write(ref _reservedBytes, _reservedBytes + memory.Length);
        return index;
    }

    private void Release(int index)
    {
        long bytes = _memory[index].Length;
        _memory[index] = default; // no reader can be in the page any more (see EntryHeap)
        _pages[index] = default;
        _freeIndexes.Push(index);
        Volatile.Write(ref _reservedBytes, _reservedBytes - bytes);
    }

    private void List(int index)
    {
        ref SlabPage page = ref _pages[index];
        int head = _available[page.SizeClass];
        page.Previous = SlabPage.NoPage;
        page.Next = head;
        if (head != SlabPage.NoPage)
        {
            _pages[head].Previous = index;
        }

        _available[page.SizeClass] = index;
        page.IsListed = true;
    }

    private void Unlist(int index)
    {
        ref SlabPage page = ref _pages[index];
        if (page.Previous != SlabPage.NoPage)
        {
            _pages[page.Previous].Next = page.Next;
        }
        else
        {
            _available[page.SizeClass] = page.Next;
        }

        if (page.Next != SlabPage.NoPage)
        {
            _pages[page.Next].Previous = page.Previous;
        }

        page.Previous = page.Next = SlabPage.NoPage;
        page.IsListed = false;
    }
}
