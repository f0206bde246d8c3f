using ReplCache.Storage.Memory;

namespace ReplCache.Storage;

/// <summary>
/// A walk over the store's entries in memory order, page by page, that may pause between steps: the walk of a full
/// sync's snapshot. Reading blocks in the order they lie costs no cache miss per entry; the walk in table order
/// (<see cref="KeyScanner.Walk{TSink}"/>) costs two, one in the slot array and one in the entry's page.
/// </summary>
/// <remarks>
/// <para>What it hands over: every entry that is in the table from the walk's start to its end is handed over once
/// (it stays in its block, and its page stays where it is); an entry written, replaced or removed meanwhile may or
/// may not be, as with the walk in table order, which the log from the sync's start offset corrects.</para>
/// <para>How it knows a block holds such an entry, lock-free: the writer marks an entry linked once it is complete
/// and unmarks it when it retires it (<see cref="EntryLayout.MarkLinked"/>), and a free block keeps its first word
/// (see <see cref="SlabAllocator"/>). A block the walk finds marked, inside its read protection, was linked then, so
/// it is not reused before the step ends, and the mark's acquire makes its bytes the complete entry's. Blocks past
/// a page's bump, never handed out, are never read; a page cleared whole is skipped; a page index that was
/// released and reused since the last step (another array) holds only entries written since, and is skipped too.</para>
/// <para>A staged load (a secondary loading a full sync) links its entries in the same pages without their being
/// the store's: a walk during which one opens or closes fails, as a full sync served by a secondary that starts
/// resyncing must anyway.</para>
/// </remarks>
internal sealed class PageWalk
{
    private readonly Lock _writeLock;
    private readonly EntryHeap _heap;
    private readonly StoreClock _clock;
    private readonly StagedLoadCount _stagedLoads;
    private readonly long _stagedLoadsAtStart;
    private int _page;
    private int _offset;
    private byte[]? _pageArray;

    /// <exception cref="InvalidOperationException">A staged load is open: the store is loading a full sync.</exception>
    public PageWalk(Lock writeLock, EntryHeap heap, StoreClock clock, StagedLoadCount stagedLoads)
    {
        _writeLock = writeLock;
        _heap = heap;
        _clock = clock;
        _stagedLoads = stagedLoads;
        lock (writeLock)
        {
            if (stagedLoads.IsOpen)
            {
                throw new InvalidOperationException("This node is loading a full sync of its own; its entries cannot be walked until it ends.");
            }

            _stagedLoadsAtStart = stagedLoads.Value;
        }
    }

    /// <summary>Whether the last step reached the end.</summary>
    public bool IsDone { get; private set; }

    /// <summary>
    /// Hands live, unexpired entries to <paramref name="sink"/> until it is full or the walk ends. One read
    /// protection per step; the sink takes each entry only for the call.
    /// </summary>
    /// <exception cref="InvalidOperationException">A staged load opened or closed since the walk started.</exception>
    public void Step<TSink>(ref TSink sink)
        where TSink : struct, IEntrySink
    {
        using var scope = new StoreReadScope(_heap);
        long now = _clock.NowMs();
        while (!IsDone)
        {
            if (!TryDescribeNextPage(out PageMemory memory, out int blockSize, out int end))
            {
                IsDone = true;
                return;
            }

            while (_offset < end)
            {
                var entry = new Entry(SlabAllocator.Handle(_page, _offset), memory);
                _offset += blockSize;
                if (EntryLayout.IsLinked(entry) && !EntryLayout.IsExpired(entry, now))
                {
                    sink.Accept(entry);
                    if (sink.IsFull)
                    {
                        return;
                    }
                }
            }

            _page++;
            _offset = 0;
        }
    }

    /// <summary>Under the write lock: the page to continue in, from the cursor on, or false past the last page.</summary>
    private bool TryDescribeNextPage(out PageMemory memory, out int blockSize, out int end)
    {
        lock (_writeLock)
        {
            if (_stagedLoads.Value != _stagedLoadsAtStart)
            {
                throw new InvalidOperationException("This node began loading a full sync of its own during the walk; its entries are being replaced.");
            }

            for (; _page < _heap.PageIndexesIssued; _page++, _offset = 0)
            {
                if (!_heap.TryDescribePage(_page, out memory, out blockSize, out end))
                {
                    continue;
                }

                if (_offset > 0 && !ReferenceEquals(memory.Array, _pageArray))
                {
                    continue; // released and reused since the last step: only entries written since are there
                }

                _pageArray = memory.Array;
                return true;
            }

            memory = default;
            blockSize = end = 0;
            return false;
        }
    }
}
