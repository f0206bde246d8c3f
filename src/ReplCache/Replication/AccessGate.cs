namespace ReplCache.Replication;

/// <summary>
/// Whether this node may serve a read or apply a write right now, as Redis decides it for a command: READONLY on a
/// secondary, NOREPLICAS under min-replicas-to-write, MASTERDOWN with replica-serve-stale-data off; and READONLY on a
/// primary the Sentinels have replaced (<see cref="StalePrimaryFence"/>), which Redis does not refuse.
/// </summary>
internal sealed class AccessGate(ReplicationState state, ReplicatedCacheOptions options, IGoodReplicaCount replicas, IUpstreamLink upstream, WritePause pause, StalePrimaryFence fence)
{
    /// <summary>The fence a Sentinel's hello raises on a replaced primary.</summary>
    public StalePrimaryFence StalePrimary => fence;

    /// <summary>Whether writes must wait (FAILOVER's pause) before they are checked and applied.</summary>
    public bool WritesPaused => pause.IsPaused;

    /// <summary>Completes when writes may proceed to <see cref="EnsureWritable"/>.</summary>
    public Task WritesResumedAsync(CancellationToken cancellationToken) => pause.WaitAsync(cancellationToken);

    /// <summary>Blocks while writes are paused: for the synchronous cache API only.</summary>
    public void WaitForWritesResumed() => pause.Wait();

    /// <summary>
    /// True on a secondary with <see cref="ReplicaWriteMode.ForwardToPrimary"/>: the cache's writes go to the primary.
    /// Only the <c>IDistributedCache</c> API forwards; RESP writes on a secondary stay <c>READONLY</c>, as in Redis.
    /// </summary>
    public bool ForwardsWrites => state.Role == ReplicationRole.Secondary && options.ReplicaWrites == ReplicaWriteMode.ForwardToPrimary;

    /// <summary>Throws unless this node accepts writes applied to its own store.</summary>
    /// <remarks>
    /// A secondary never does, whatever <see cref="ReplicatedCacheOptions.ReplicaWrites"/> says: a write applied
    /// here would diverge from the primary. With <see cref="ReplicaWriteMode.ForwardToPrimary"/> the cache sends its
    /// writes to the primary before reaching this check (<see cref="ForwardsWrites"/>).
    /// </remarks>
    public void EnsureWritable()
    {
        if (state.Role == ReplicationRole.Secondary)
        {
            throw new ReadOnlyReplicaException();
        }
        else if (options.MinReplicasToWrite > 0 && replicas.CountGoodReplicas() < options.MinReplicasToWrite)
        {
            // Redis's min-replicas-to-write: only a primary checks it; secondaries ignore the setting.
            throw new NotEnoughReplicasException();
        }
        else if (fence.Reason is { } stale)
        {
            throw new ReadOnlyReplicaException(stale);
        }
    }

    /// <summary>Throws when reads must not be served: a secondary whose link is not up, with ServeStaleData off.</summary>
    public void EnsureReadable()
    {
        if (!options.ServeStaleData && state.Role == ReplicationRole.Secondary && upstream.Status != PrimaryLinkStatus.Up)
        {
            throw new PrimaryLinkDownException();
        }
    }
}
