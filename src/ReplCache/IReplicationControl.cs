namespace ReplCache;

/// <summary>Inspects and changes a node's place in the replication topology: Redis's <c>INFO replication</c>, <c>REPLICAOF</c> and <c>WAIT</c>.</summary>
public interface IReplicationControl
{
    /// <summary>Live figures of this node's replication, as Redis's <c>INFO replication</c>.</summary>
    ReplicationInfo GetInfo();

    /// <summary>Makes this node a secondary of <paramref name="primary"/> (Redis's <c>REPLICAOF host port</c>).</summary>
    Task ReplicaOfAsync(Uri primary, CancellationToken cancellationToken = default);

    /// <summary>Makes this node a primary, keeping its data and history (Redis's <c>REPLICAOF NO ONE</c>).</summary>
    Task PromoteToPrimaryAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Waits until <paramref name="replicas"/> secondaries have acknowledged this node's offset as of the call,
    /// or <paramref name="timeout"/> passes, and returns how many have (Redis's <c>WAIT</c>).
    /// </summary>
    Task<int> WaitForReplicasAsync(int replicas, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>
    /// Redis's <c>FAILOVER [TO host port] [TIMEOUT ms] [FORCE]</c>: pauses writes on this primary (they wait, they are
    /// not refused), waits until <paramref name="target"/> — or, when null, any connected secondary — has acknowledged
    /// every write, then hands that secondary the primary role and becomes its secondary, with a partial resync on
    /// both sides. Without <paramref name="force"/> it loses no acknowledged write; past <paramref name="timeout"/> it
    /// rolls back (the writes resume here) — or, with <paramref name="force"/>, hands over anyway.
    /// </summary>
    /// <param name="target">A connected secondary, by its replication address or by the IP and RESP port INFO lists it at.</param>
    /// <param name="timeout">How long to wait for the secondary to catch up; null: as long as it takes.</param>
    /// <param name="force">Hand over at the timeout even if the target has not caught up (requires both others).</param>
    /// <param name="cancellationToken">Cancels the failover, which rolls back as an abort does.</param>
    /// <exception cref="InvalidOperationException">Not a primary, no connected secondary, an unknown target, a failover in progress, or a target that refused (rolled back).</exception>
    /// <exception cref="TimeoutException">The secondary did not catch up in time, without <paramref name="force"/> (rolled back).</exception>
    /// <exception cref="OperationCanceledException">Cancelled or aborted (rolled back).</exception>
    Task FailoverAsync(Uri? target = null, TimeSpan? timeout = null, bool force = false, CancellationToken cancellationToken = default);

    /// <summary>
    /// Waits until this node has applied <paramref name="offset"/> of the history <paramref name="replicationId"/>
    /// names — its current history, or an earlier one that continues into it (PSYNC2: the id2 of a promoted primary,
    /// up to the offset where it was promoted) — and returns true, or returns false once <paramref name="timeout"/>
    /// passes first (zero checks once; <see cref="Timeout.InfiniteTimeSpan"/> waits without limit). Read-your-writes
    /// across nodes: a write's position is <see cref="ReplicationInfo.ReplicationId"/> and
    /// <see cref="ReplicationInfo.Offset"/> read on the node that wrote, after the write.
    /// </summary>
    /// <remarks>A secondary loading a full resync's snapshot has applied nothing until the snapshot is complete.</remarks>
    Task<bool> WaitForOffsetAsync(string replicationId, long offset, TimeSpan timeout, CancellationToken cancellationToken = default);
}
