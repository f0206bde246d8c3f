using Microsoft.Extensions.Logging;

namespace ReplCache.Replication.Secondary;

internal sealed partial class LinkSupervisor
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Node {NodeId} ({Role}, replication id {ReplicationId}, offset {Offset}): REPLICAOF {Primary} changes nothing, this node already replicates from it.")]
        public static partial void ReplicaOfUnchanged(ILogger logger, string nodeId, ReplicationRole role, string replicationId, long offset, Uri primary);

        [LoggerMessage(2, LogLevel.Information, "Node {NodeId} ({Role}, replication id {ReplicationId}, offset {Offset}): now replicates from {Primary} (REPLICAOF); it holds that history up to that offset.")]
        public static partial void ReplicaOfChanged(ILogger logger, string nodeId, ReplicationRole role, string replicationId, long offset, Uri primary);

        [LoggerMessage(3, LogLevel.Information, "Node {NodeId} ({Role}, replication id {ReplicationId}, offset {Offset}): promoted to primary; the previous replication id {ReplicationId2} stays valid up to that offset, so secondaries that followed it can continue with a partial resync.")]
        public static partial void Promoted(ILogger logger, string nodeId, ReplicationRole role, string replicationId, long offset, string replicationId2);

        [LoggerMessage(9, LogLevel.Warning, "Node {NodeId} ({Role}, replication id {ReplicationId}, offset {Offset}): REPLICAOF {Primary} again accepts the empty dataset of that primary; the {Entries} entries held here will be replaced by a full resync.")]
        public static partial void EmptyPrimaryAccepted(ILogger logger, string nodeId, ReplicationRole role, string replicationId, long offset, Uri primary, int entries);

        [LoggerMessage(10, LogLevel.Warning, "Node {NodeId} ({Role}, replication id {ReplicationId}, offset {Offset}): stepped down for FAILOVER; handing the primary role to {Target}.")]
        public static partial void SteppedDown(ILogger logger, string nodeId, ReplicationRole role, string replicationId, long offset, Uri target);

        [LoggerMessage(11, LogLevel.Warning, "Node {NodeId} ({Role}, replication id {ReplicationId}, offset {Offset}): promoted to primary by FAILOVER from {FromNodeId}; its replication id {ReplicationId2} stays valid up to that offset.")]
        public static partial void TookOver(ILogger logger, string nodeId, ReplicationRole role, string replicationId, long offset, string fromNodeId, string replicationId2);

        [LoggerMessage(12, LogLevel.Warning, "Node {NodeId} ({Role}, replication id {ReplicationId}, offset {Offset}): refused the FAILOVER handover from {FromNodeId}: {Reason}.")]
        public static partial void TakeOverRefused(ILogger logger, string nodeId, ReplicationRole role, string replicationId, long offset, string fromNodeId, string reason);
    }
}
