using ReplCache.Protocol;
using ReplCache.Replication.Primary;
using ReplCache.Replication.Secondary;

namespace ReplCache.Replication;

internal sealed partial class ReplicationController
{
    /// <inheritdoc />
    public ReplicationInfo GetInfo()
    {
        ReplicationHistory history;
        long offset, backlogStart;
        lock (Store.WriteLock)
        {
            history = History;
            offset = ReplicationLog.EndOffset;
            backlogStart = ReplicationLog.BacklogStart;
        }

        PrimaryLink? link = _link;
        ConnectedReplica[] replicas = ConnectedReplicas();
        return new ReplicationInfo
        {
            Role = Role,
            NodeId = NodeId,
            ReplicationId = history.Id,
            ReplicationId2 = history.Id2,
            Offset = offset,
            SecondOffset = history.SecondOffset,
            Address = AdvertisedAddress,
            PrimaryAddress = link?.Primary,
            LinkStatus = link?.Status ?? PrimaryLinkStatus.None,
            Replicas = Array.ConvertAll(replicas, r => r.ToInfo()),
            BacklogSize = ReplicationLog.BacklogSizeBytes,
            BacklogFirstOffset = offset == 0 && backlogStart == 0 ? 0 : backlogStart + 1, // Redis counts bytes from 1
            BacklogLength = offset - backlogStart,
            FullSyncs = Interlocked.Read(ref _fullSyncs),
            PartialSyncsAccepted = Interlocked.Read(ref _partialSyncsAccepted),
            PartialSyncsRejected = Interlocked.Read(ref _partialSyncsRejected),
            PrimaryLastIoAgo = link?.SinceLastIo,
            LinkDownFor = link?.DownFor,
            LinkDownReason = link?.DownReason,
            ReplicaReadOnly = Options.ReplicaWrites == ReplicaWriteMode.Reject,
        };
    }

    /// <summary>Who this node is and whom it follows, for a node about to replicate from it.</summary>
    internal NodeDescription Describe()
    {
        var description = new NodeDescription
        {
            NodeId = NodeId,
            IsPrimary = Role == ReplicationRole.Primary,
            ReplicationId = History.Id,
            Offset = ReplicationLog.EndOffset,
            PrimaryAddress = _link?.Primary.ToString() ?? "",
        };
        description.UpstreamNodeIds.AddRange(Upstream);
        return description;
    }
}
