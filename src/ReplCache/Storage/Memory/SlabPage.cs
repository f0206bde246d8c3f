namespace ReplCache.Storage.Memory;

/// <summary>
/// The bookkeeping of one page of the slab allocator — a pinned array cut into blocks of one size class, with a
/// free list threaded through its free blocks; or, for an entry larger than any class, an array holding that one
/// entry. The array itself is in <see cref="SlabAllocator"/>'s page table, under the same index.
/// </summary>
/// <remarks>
/// A struct in one array, not an object per page: a full GC marks every object it can reach, and an object per
/// 64 KB page with references to its array and its neighbours cost about a millisecond of each full collection at
/// 4M entries (8,640 pages), as much as a third of what the pages themselves cost. Only the writer (under the
/// store's write lock) touches it; readers only read the page table.
/// </remarks>
internal struct SlabPage
{
    /// <summary>Marks the page of a single large entry.</summary>
    public const int LargeClass = -1;

    /// <summary>Marks the end of <see cref="FreeHead"/>'s list.</summary>
    public const int NoBlock = -1;

    /// <summary>Marks the end of a class's list of pages with room.</summary>
    public const int NoPage = -1;

    public SlabPage(int sizeClass, int blockSize, int bytes)
    {
        SizeClass = sizeClass;
        BlockSize = blockSize;
        Capacity = bytes / blockSize;
        FreeHead = NoBlock;
        Previous = Next = NoPage;
    }

    public int SizeClass { get; }

    public int BlockSize { get; }

    /// <summary>Blocks the page holds.</summary>
    public int Capacity { get; }

    /// <summary>Blocks handed out and not freed.</summary>
    public int Used { get; set; }

    /// <summary>The offset of the first block never handed out; blocks below it are used or on the free list.</summary>
    public int Bump { get; set; }

    /// <summary>The offset of the first free block, whose second four bytes hold the next one's (<see cref="NoBlock"/> ends it).</summary>
    public int FreeHead { get; set; }

    /// <summary>Neighbours (page indexes) in its class's list of pages with a free block.</summary>
    public int Previous { get; set; }

    public int Next { get; set; }

    public bool IsListed { get; set; }

    /// <summary>Taken out of use whole (the store was cleared), waiting to be released: its entries are gone.</summary>
    public bool IsDetached { get; set; }

    public readonly bool IsFull => Used == Capacity;
}
