namespace ReplCache.Replication;

/// <summary>The bounds both sides of write forwarding agree on.</summary>
internal static class ForwardingLimits
{
    /// <summary>Writes a secondary keeps queued, in flight or waiting to be applied, at most: beyond it callers wait.</summary>
    public const int MaxPendingWrites = 8192;

    /// <summary>
    /// Forwarded writes a primary has read and not answered yet, at most: twice what a secondary keeps pending, so only
    /// a peer that ignores its own bound reaches it — and is dropped rather than allowed to grow the primary's memory.
    /// </summary>
    public const int MaxOutstandingWrites = 2 * MaxPendingWrites;
}
