namespace ReplCache.Replication;

/// <summary>What replication did to a key on a secondary.</summary>
internal enum AppliedChange
{
    /// <summary>The key was set (a log record or a snapshot entry).</summary>
    Set,

    /// <summary>The key was removed (the primary removed it, or it expired there).</summary>
    Removed,

    /// <summary>Every key was removed (a replicated clear, or a full resync starting over); the key is empty.</summary>
    Cleared,
}
