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
}
