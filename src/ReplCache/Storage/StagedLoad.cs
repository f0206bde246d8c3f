using ReplCache.Storage.Memory;

namespace ReplCache.Storage;

/// <summary>
/// Where a full sync loads while the store keeps serving what it held: a table and books of their own over the
/// store's heap, changed only through a <see cref="StoreWriter"/> of their own (Redis's <c>repl-diskless-load
/// swapdb</c>: the new dataset is built beside the old one and swapped in when it is complete).
/// </summary>
/// <remarks>
/// The entries share the store's <see cref="EntryHeap"/>, so the swap moves no entry and changes no handle: the
/// tables exchange their slot arrays and the books their figures (<see cref="CacheStore.SwapInStagedLoad"/>), and
/// the old entries are retired like any others, read safely by whoever still is inside a read scope. Nothing is
/// reported to an observer (a staged load exists only while the store follows a primary) and nothing is evicted
/// (a follower never evicts). Only the writer, under the store's write lock, touches it.
/// </remarks>
internal sealed class StagedLoad
{
    public StagedLoad(Lock writeLock, EntryHeap heap, StoreRole role, SlidingRenewal renewal, LruEviction? eviction, StoreClock clock)
    {
        Table = new EntryTable(heap);
        Ledger = new StoreLedger();
        Writer = new StoreWriter(writeLock, Table, heap, Ledger, role, renewal, eviction, clock);
    }

    public EntryTable Table { get; }

    public StoreLedger Ledger { get; }

    /// <summary>The apply path into the staged entries (<see cref="StoreWriter.Clear"/> with <c>wholePages: false</c>: the heap is shared).</summary>
    public StoreWriter Writer { get; }
}
