namespace ReplCache.Storage;

internal sealed partial class CacheStore
{
    // Walks over the whole store (KeyScanner) and the active expiry that reclaims expired entries (ExpirySweep).

    /// <inheritdoc cref="KeyScanner.CountLive"/>
    public long CountLive() => _scanner.CountLive();

    /// <inheritdoc cref="KeyScanner.CountLiveAndExpiring"/>
    public (long Keys, long Expiring) CountLiveAndExpiring() => _scanner.CountLiveAndExpiring();

    /// <inheritdoc cref="KeyScanner.GetKeys"/>
    public List<string> GetKeys(KeyPattern pattern) => _scanner.GetKeys(pattern);

    /// <inheritdoc cref="KeyScanner.Walk"/>
    /// <remarks>Entries are in <see cref="EntryLayout"/>'s format: for the encoders of whole entries (snapshots, full syncs).</remarks>
    public ulong Walk<TSink>(ulong cursor, ref TSink sink)
        where TSink : struct, IEntrySink => _scanner.Walk(cursor, ref sink);

    /// <summary>Starts a walk of the entries in memory order (a full sync's snapshot); see <see cref="PageWalk"/>.</summary>
    /// <exception cref="InvalidOperationException">The store is loading a full sync of its own.</exception>
    public PageWalk BeginPageWalk() => new(_writeLock, _heap, _clock, _stagedLoads);

    /// <inheritdoc cref="KeyScanner.Scan"/>
    public ulong Scan(ulong cursor, int count, List<string> keys) => _scanner.Scan(cursor, count, keys);

    /// <inheritdoc cref="KeyScanner.ComputeDigest"/>
    public string ComputeDigest() => _scanner.ComputeDigest();

    /// <inheritdoc cref="ExpirySweep.RunCycle"/>
    internal int RunExpiryCycle() => _sweep.RunCycle();

    /// <inheritdoc cref="ExpirySweep.RemoveAllExpired"/>
    internal int RemoveAllExpired() => _sweep.RemoveAllExpired();
}
