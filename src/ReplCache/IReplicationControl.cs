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
