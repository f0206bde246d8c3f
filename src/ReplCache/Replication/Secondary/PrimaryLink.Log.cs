using Microsoft.Extensions.Logging;

namespace ReplCache.Replication.Secondary;

internal sealed partial class PrimaryLink
{
    private static partial class Log
    {
        [LoggerMessage(40, LogLevel.Information, "Node {NodeId} (secondary): full resync from {Primary} started, replication id {ReplicationId} at offset {Offset}, about {Entries} entries.")]
        public static partial void FullResyncStarted(ILogger logger, string nodeId, Uri primary, string replicationId, long offset, long entries);

        [LoggerMessage(41, LogLevel.Information, "Node {NodeId} (secondary): full resync from {Primary} completed, {Entries} entries, at offset {Offset}.")]
        public static partial void FullResyncCompleted(ILogger logger, string nodeId, Uri primary, long entries, long offset);

        [LoggerMessage(42, LogLevel.Information, "Node {NodeId} (secondary): link to {Primary} up ({How}), replication id {ReplicationId}, offset {Offset}.")]
        public static partial void LinkUp(ILogger logger, string nodeId, Uri primary, string replicationId, long offset, string how);

        [LoggerMessage(43, LogLevel.Warning, "Node {NodeId} (secondary): link to {Primary} down at replication id {ReplicationId} offset {Offset}: {Reason}. Retrying with backoff.")]
        public static partial void LinkDown(ILogger logger, string nodeId, Uri primary, string replicationId, long offset, string reason);
    }
}
