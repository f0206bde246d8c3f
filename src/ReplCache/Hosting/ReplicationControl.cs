using ReplCache.Backlog;
using ReplCache.Diagnostics;
using ReplCache.Replication;
using ReplCache.Replication.Primary;
using ReplCache.Replication.Secondary;
using ReplCache.Storage;

namespace ReplCache.Hosting;

/// <summary>
/// <see cref="IReplicationControl"/> over the node's parts: INFO composed from the shared state, the registry of
/// secondaries and the link; REPLICAOF and promotion done by the link's supervisor; WAIT by the registry.
/// </summary>
internal sealed class ReplicationControl(
    ReplicationState state,
    CacheStore store,
    ReplicationLog log,
    ReplicaRegistry registry,
    LinkSupervisor links,
    FailoverCoordinator failover,
    ReplicatedCacheOptions options) : IReplicationControl
{
    private readonly AppliedPositions _positions = new(state, log);

    /// <inheritdoc />
    public ReplicationInfo GetInfo()
    {
        ReplicationHistory history;
        long offset, backlogStart;
        bool backlogActive;
        lock (store.WriteLock)
        {
            history = state.History;
            offset = log.EndOffset;
            backlogStart = log.BacklogStart;
            backlogActive = log.RetainsHistory;
        }

        PrimaryLink? link = links.Link;
        return new ReplicationInfo
        {
            Role = state.Role,
            NodeId = state.NodeId,
            ReplicationId = history.Id,
            ReplicationId2 = history.Id2,
            Offset = offset,
            SecondOffset = history.SecondOffset,
            Address = state.AdvertisedAddress,
            PrimaryAddress = link?.Primary,
            LinkStatus = link?.Status ?? PrimaryLinkStatus.None,
            Replicas = Array.ConvertAll(registry.Connected(), r => r.ToInfo()),
            BacklogSize = log.BacklogSizeBytes,
            BacklogActive = backlogActive,
            // Redis counts bytes from 1, and shows 0 without a backlog
            BacklogFirstOffset = !backlogActive || (offset == 0 && backlogStart == 0) ? 0 : backlogStart + 1,
            BacklogLength = offset - backlogStart,
            FullSyncs = registry.FullSyncs,
            PartialSyncsAccepted = registry.PartialSyncsAccepted,
            PartialSyncsRejected = registry.PartialSyncsRejected,
            PrimaryLastIoAgo = link?.SinceLastIo,
            LinkDownFor = link?.DownFor,
            LinkDownReason = link?.DownReason,
            ReplicaReadOnly = options.ReplicaWrites == ReplicaWriteMode.Reject,
            ReplicaPriority = options.ReplicaPriority,
            ReplicaAnnounced = options.ReplicaAnnounced,
            FailoverState = failover.State,
        };
    }

    /// <inheritdoc />
    public Task ReplicaOfAsync(Uri primary, CancellationToken cancellationToken = default)
    {
        RefuseDuringFailover();
        return TracedAsync(ReplCacheSpans.ReplicaOf, primary, () => links.ReplicaOfAsync(primary, cancellationToken));
    }

    /// <inheritdoc />
    public Task PromoteToPrimaryAsync(CancellationToken cancellationToken = default)
    {
        RefuseDuringFailover();
        return TracedAsync(ReplCacheSpans.Promote, null, () => links.PromoteAsync(cancellationToken));
    }

    /// <inheritdoc />
    public Task FailoverAsync(Uri? target = null, TimeSpan? timeout = null, bool force = false, CancellationToken cancellationToken = default) =>
        TracedAsync(ReplCacheSpans.Failover, target, () => failover.FailoverAsync(target, timeout, force, cancellationToken));

    /// <summary>A topology change as one span, its failure (a refused loop, a timed-out failover) recorded on it.</summary>
    private async Task TracedAsync(string span, Uri? peer, Func<Task> change)
    {
        using TracedSpan traced = ReplCacheTracing.Topology(span, state.NodeId, peer);
        try
        {
            await change().ConfigureAwait(false);
            traced.Succeed();
        }
        catch (Exception ex)
        {
            traced.Fail(ex);
            throw;
        }
    }

    /// <summary>FAILOVER ABORT: false when no failover is in progress.</summary>
    internal bool AbortFailover() => failover.Abort();

    /// <summary>As Redis: the topology must not be changed under a failover in progress.</summary>
    private void RefuseDuringFailover()
    {
        if (failover.State != FailoverState.None)
        {
            throw new InvalidOperationException("REPLICAOF not allowed while failing over.");
        }
    }

    /// <inheritdoc />
    public Task<int> WaitForReplicasAsync(int replicas, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        registry.WaitForReplicasAsync(replicas, timeout, cancellationToken);

    /// <inheritdoc />
    public Task<bool> WaitForOffsetAsync(string replicationId, long offset, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        _positions.WaitAsync(replicationId, offset, timeout, cancellationToken);
}
