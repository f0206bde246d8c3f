using Microsoft.Extensions.Logging;

namespace ReplCache.Replication;

internal sealed partial class ReplicationController
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Node {NodeId}: REPLICAOF {Primary} changes nothing, this node already replicates from it.")]
        public static partial void ReplicaOfUnchanged(ILogger logger, string nodeId, Uri primary);

        [LoggerMessage(2, LogLevel.Information, "Node {NodeId} (secondary) now replicates from {Primary}; it holds history {ReplicationId} up to offset {Offset}.")]
        public static partial void ReplicaOfChanged(ILogger logger, string nodeId, Uri primary, string replicationId, long offset);

        [LoggerMessage(3, LogLevel.Information, "Node {NodeId} promoted to primary at offset {Offset}: replication id {ReplicationId}, previous id {ReplicationId2} valid up to that offset.")]
        public static partial void Promoted(ILogger logger, string nodeId, string replicationId, string replicationId2, long offset);

        [LoggerMessage(4, LogLevel.Warning, "Node {NodeId}: could not ask {Primary} who it is ({Detail}); replicating from it anyway, the link retries until it answers.")]
        public static partial void TargetUnreachable(ILogger logger, string nodeId, Uri primary, string detail);
    }
}
