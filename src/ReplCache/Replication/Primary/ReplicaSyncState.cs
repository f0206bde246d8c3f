namespace ReplCache.Replication.Primary;

/// <summary>Where a connected secondary is in its sync, as this node serves it.</summary>
internal enum ReplicaSyncState
{
    /// <summary>The handshake is done, nothing sent yet (Redis's <c>wait_bgsave</c>).</summary>
    Handshake,

    /// <summary>A full resync's snapshot is being streamed (Redis's <c>send_bulk</c>).</summary>
    SendingSnapshot,

    /// <summary>Streaming the log (Redis's <c>online</c>).</summary>
    Online,
}
