namespace ReplCache.Storage;

/// <summary>
/// What a secondary's replication needs of its store: the apply path for the records its primary decided, the lock
/// a batch of them and its append to the secondary's own log are taken under, the staged load a full sync fills
/// while readers keep the old data, and the figures its link reports.
/// </summary>
internal interface IReplicaStore
{
    /// <summary>Held across a batch of records and their append to the log (re-entrant).</summary>
    Lock WriteLock { get; }

    EntryLimits Limits { get; }

    /// <inheritdoc cref="CacheStore.PhysicalCount"/>
    int PhysicalCount { get; }

    /// <inheritdoc cref="CacheStore.SizeBytes"/>
    long SizeBytes { get; }

    /// <summary>Called when a read here renews a sliding entry, so the link can tell the primary; null for nobody.</summary>
    KeyRenewed? SlidingRenewed { get; set; }

    /// <inheritdoc cref="CacheStore.ApplySet"/>
    void ApplySet(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, long absoluteExpiryMs, long slidingMs, long slidingDeadlineMs);

    /// <inheritdoc cref="CacheStore.ApplyRemove"/>
    void ApplyRemove(ReadOnlySpan<byte> key);

    /// <inheritdoc cref="CacheStore.ApplyTouch"/>
    bool ApplyTouch(ReadOnlySpan<byte> key, long deadline);

    /// <inheritdoc cref="CacheStore.ApplyClear"/>
    void ApplyClear();

    /// <inheritdoc cref="CacheStore.Reserve"/>
    void Reserve(long entries);

    /// <inheritdoc cref="CacheStore.BeginStagedLoad"/>
    void BeginStagedLoad();

    /// <inheritdoc cref="CacheStore.SwapInStagedLoad"/>
    void SwapInStagedLoad();

    /// <inheritdoc cref="CacheStore.DropStagedLoad"/>
    int DropStagedLoad();
}
