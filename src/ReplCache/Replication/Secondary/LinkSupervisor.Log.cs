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
    }
}
