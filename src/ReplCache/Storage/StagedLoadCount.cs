namespace ReplCache.Storage;

/// <summary>
/// Counts the staged loads opened and closed (<see cref="CacheStore.BeginStagedLoad"/>, swapped in or dropped): odd
/// while one is open. A <see cref="PageWalk"/> compares it with the count at its start, because a staged load's
/// entries share the heap's pages and are linked, yet are not the store's content.
/// </summary>
/// <remarks>Changed only under the store's write lock, and read there too.</remarks>
internal sealed class StagedLoadCount
{
    public long Value { get; private set; }

    public bool IsOpen => (Value & 1) != 0;

    /// <summary>A staged load was opened, or the open one was closed.</summary>
    public void Advance() => Value++;
}
