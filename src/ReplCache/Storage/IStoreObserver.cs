namespace ReplCache.Storage;

/// <summary>
/// Hears every change to a <see cref="CacheStore"/>, in the order the store made them. Called under the
/// store's write lock, so an observer that appends to a log gets the log order equal to the store order.
/// Implementations must be quick and must not call back into the store's write methods.
/// </summary>
internal interface IStoreObserver
{
    /// <summary>
    /// An entry was inserted or replaced. <paramref name="entry"/> is in <see cref="EntryLayout"/>'s format, for the
    /// log's record writer only; <paramref name="slidingDeadlineMs"/> is the sliding deadline to tell secondaries.
    /// </summary>
    void OnSet(Entry entry, long slidingDeadlineMs);

    /// <summary>An entry was removed.</summary>
    void OnRemoved(ReadOnlySpan<byte> key, RemovalReason reason);

    /// <summary>A read renewed a sliding entry far enough that secondaries must hear of it; <paramref name="deadline"/> is what to tell them.</summary>
    void OnTouched(ReadOnlySpan<byte> key, long deadline);

    /// <summary>Every entry was removed at once.</summary>
    void OnCleared();
}
