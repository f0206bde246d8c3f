namespace ReplCache.Storage.Memory;

/// <summary>
/// One page of the slab allocator: a pinned array cut into blocks of one size class, with a free list threaded
/// through its free blocks; or, for an entry larger than any class, an array holding that one entry.
/// </summary>
/// <remarks>Only the writer (under the store's write lock) touches a page's bookkeeping; readers only read <see cref="Memory"/>.</remarks>
internal sealed class SlabPage(int index, byte[] memory, int sizeClass, int blockSize)
{
    /// <summary>Marks the page of a single large entry.</summary>
    public const int LargeClass = -1;

    /// <summary>Marks the end of <see cref="FreeHead"/>'s list.</summary>
    public const int NoBlock = -1;

    public int Index { get; } = index;

    public byte[] Memory { get; } = memory;

    public int SizeClass { get; } = sizeClass;

    public int BlockSize { get; } = blockSize;

    /// <summary>Blocks the page holds.</summary>
    public int Capacity { get; } = memory.Length / blockSize;

    /// <summary>Blocks handed out and not freed.</summary>
    public int Used { get; set; }

    /// <summary>The offset of the first block never handed out; blocks below it are used or on the free list.</summary>
    public int Bump { get; set; }

    /// <summary>The offset of the first free block, whose first four bytes hold the next one's (<see cref="NoBlock"/> ends it).</summary>
    public int FreeHead { get; set; } = NoBlock;

    /// <summary>Neighbours in its class's list of pages with a free block.</summary>
    public SlabPage? Previous { get; set; }

    public SlabPage? Next { get; set; }

    public bool IsListed { get; set; }

    public bool IsFull => Used == Capacity;
}
