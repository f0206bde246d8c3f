namespace ReplCache;

/// <summary>
/// Recognises a write that a host component makes while replaying, on this node, a change that arrived by
/// replication: the key already holds the replicated value, and writing it back (or forwarding it to the primary)
/// would echo the change around the group forever.
/// </summary>
internal interface IReplayedWriteFilter
{
    /// <summary>Called on every cache-API set before anything else: must be cheap and must not block.</summary>
    bool IsReplayedWrite(string key);
}
