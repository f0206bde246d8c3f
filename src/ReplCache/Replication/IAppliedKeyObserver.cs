namespace ReplCache.Replication;

/// <summary>Hears of every key a secondary's apply path changed, in order.</summary>
internal interface IAppliedKeyObserver
{
    /// <summary>
    /// Called under the store's write lock, in the apply loop: must only note or queue, never block, never call back
    /// into the store's write methods. <paramref name="key"/> is valid only during the call.
    /// </summary>
    void OnKeyApplied(ReadOnlySpan<byte> key, AppliedChange change);
}
