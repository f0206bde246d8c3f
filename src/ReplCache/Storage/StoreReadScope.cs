using ReplCache.Storage.Memory;

namespace ReplCache.Storage;

/// <summary>
/// A stretch of code in which values read from the store stay valid: the blocks it saw are not reused until it
/// ends. Take one with <see cref="CacheStore.BeginRead"/> in a <c>using</c>, and copy out what must outlive it.
/// </summary>
/// <remarks>
/// A ref struct, so that it cannot cross an <c>await</c> (a reader that suspends would hold back every block the
/// writer frees meanwhile); store methods that hand out spans take it by <c>in</c>, so a caller cannot forget it.
/// </remarks>
internal readonly ref struct StoreReadScope
{
    private readonly EntryHeap _heap;
    private readonly int _slot;

    internal StoreReadScope(EntryHeap heap)
    {
        _heap = heap;
        _slot = heap.Enter();
    }

    public void Dispose() => _heap?.Exit(_slot);
}
