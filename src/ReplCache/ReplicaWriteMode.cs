namespace ReplCache;

/// <summary>What a secondary does with <c>Set</c>, <c>Remove</c> and <c>Refresh</c> calls made on it.</summary>
public enum ReplicaWriteMode
{
    /// <summary>Writes throw <see cref="ReadOnlyReplicaException"/>, as Redis's <c>replica-read-only yes</c>.</summary>
    Reject,

    /// <summary>Writes are forwarded to the primary, applied there, and the call returns once this node has the result.</summary>
    ForwardToPrimary,
}
