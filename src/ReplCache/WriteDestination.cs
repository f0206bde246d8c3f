namespace ReplCache;

/// <summary>Where one write of the cache API goes: decided once per write by <see cref="WriteRoute"/>.</summary>
internal enum WriteDestination
{
    /// <summary>Applied to this node's store (a primary; or a secondary that refuses it with READONLY).</summary>
    Local,

    /// <summary>Sent to the primary (a secondary with <see cref="ReplicaWriteMode.ForwardToPrimary"/>).</summary>
    Forwarded,

    /// <summary>Not written at all: a host component says the key already holds what the write would store.</summary>
    Skipped,
}
