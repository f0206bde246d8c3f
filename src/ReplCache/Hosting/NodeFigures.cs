using ReplCache.Diagnostics;
using ReplCache.Backlog;
using ReplCache.Replication.Primary;
using ReplCache.Storage;

namespace ReplCache.Hosting;

/// <summary>The figures a node's instruments observe, read from its parts when a collector asks.</summary>
internal sealed class NodeFigures(CacheStore store, ReplicationLog log, ReplicaRegistry replicas, Func<PrimaryLinkStatus> linkStatus) : IMetricsSource
{
    public long Entries => store.PhysicalCount;

    public long SizeBytes => store.SizeBytes;

    public long Evictions => store.Evictions;

    public long Expirations => store.Expirations;

    public long Offset => log.EndOffset;

    public long BytesSent => replicas.BytesSent;

    public long FullSyncs => replicas.FullSyncs;

    public long PartialSyncsAccepted => replicas.PartialSyncsAccepted;

    public long PartialSyncsRejected => replicas.PartialSyncsRejected;

    public PrimaryLinkStatus LinkStatus => linkStatus();

    public IEnumerable<(string NodeId, long AckedOffset, TimeSpan SinceLastHeard)> Replicas()
    {
        foreach (ConnectedReplica replica in replicas.Connected())
        {
            yield return (replica.NodeId, replica.AckedOffset, replica.SinceLastHeard);
        }
    }
}
