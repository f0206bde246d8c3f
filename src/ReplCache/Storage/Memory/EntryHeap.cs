namespace ReplCache.Storage.Memory;

/// <summary>
/// Where the store's entries live: blocks of a <see cref="SlabAllocator"/>, handed to lock-free readers under an
/// <see cref="EpochGuard"/>, and reused only once no reader can still see them.
/// </summary>
/// <remarks>
/// <para>The writer unlinks an entry from the table, then <see cref="Retire"/>s it tagged with the current epoch;
/// <see cref="Reclaim"/> frees, in retirement order, what was retired below the oldest epoch a reader is in.
/// Reclaiming runs only where the writer holds no entry of its own that it retired in the same operation: at the
/// start of an allocation, and on the housekeeping timer — so code under the write lock can use an entry it
/// unlinked until its operation ends, and a reader anywhere only needs to be inside <see cref="Enter"/>.</para>
/// <para>Every method but <see cref="Enter"/>, <see cref="Exit"/> and <see cref="Resolve"/> runs under the store's write lock.</para>
/// </remarks>
internal sealed class EntryHeap
{
    /// <summary>Retired blocks that make an allocation try to reclaim; bounds the memory waiting to be reused.</summary>
    private const int ReclaimThreshold = 256;

    private readonly SlabAllocator _allocator = new();
    private readonly EpochGuard _epochs = new();
    private readonly Queue<(long Handle, long Epoch)> _retired = new();
    private readonly Queue<(List<int> Pages, long Epoch)> _retiredPages = new();

    /// <summary>Bytes of the pages held, free blocks and blocks waiting to be reused included.</summary>
    public long ReservedBytes => _allocator.ReservedBytes;

    /// <summary>Blocks unlinked but not yet reusable (for tests and diagnostics).</summary>
    public int RetiredCount => _retired.Count;

    public int PageCount => _allocator.PageCount;

    /// <inheritdoc cref="EpochGuard.Enter"/>
    public int Enter() => _epochs.Enter();

    /// <inheritdoc cref="EpochGuard.Exit"/>
    public void Exit(int slot) => _epochs.Exit(slot);

    /// <summary>The entry a handle names. The caller is inside <see cref="Enter"/>, or is the writer.</summary>
    public Entry Resolve(long handle) => new(handle, _allocator.PageOf(handle));

    /// <summary>A new entry's block, header not yet written. Writer only.</summary>
    public Entry Allocate(int bytes)
    {
        if (_retired.Count >= ReclaimThreshold || _retiredPages.Count > 0)
        {
            Reclaim();
        }

        return Resolve(_allocator.Allocate(bytes));
    }

    /// <summary>An entry unlinked from the table; its block is reused once no reader can see it. Writer only.</summary>
    public void Retire(Entry entry)
    {
        EntryLayout.MarkUnlinked(entry);
        _retired.Enqueue((entry.Handle, _epochs.Current));
    }

    /// <inheritdoc cref="SlabAllocator.PageIndexesIssued"/>
    public int PageIndexesIssued => _allocator.PageIndexesIssued;

    /// <inheritdoc cref="SlabAllocator.TryDescribePage"/>
    public bool TryDescribePage(int index, out PageMemory memory, out int blockSize, out int end) =>
        _allocator.TryDescribePage(index, out memory, out blockSize, out end);

    /// <summary>Every entry at once (the table was cleared): the pages are released once no reader can be in them. Writer only.</summary>
    public void RetireAll()
    {
        // Blocks retired one by one live in pages being retired whole; dropping them here avoids freeing into a
        // page that is already gone.
        _retired.Clear();
        _retiredPages.Enqueue((_allocator.DetachAll(), _epochs.Current));
        Reclaim();
    }

    /// <summary>Frees what no reader can still see. Writer only.</summary>
    public void Reclaim()
    {
        if (_retired.Count == 0 && _retiredPages.Count == 0)
        {
            return;
        }

        _epochs.Advance();
        long oldest = _epochs.OldestActive();
        while (_retiredPages.TryPeek(out var pages) && pages.Epoch < oldest)
        {
            _allocator.ReleasePages(_retiredPages.Dequeue().Pages);
        }

        while (_retired.TryPeek(out var block) && block.Epoch < oldest)
        {
            _allocator.Free(_retired.Dequeue().Handle);
        }
    }
}
