using Microsoft.Extensions.Logging;

namespace ReplCache.Hosting;

internal sealed partial class FailoverCoordinator
{
    private static partial class Log
    {
        [LoggerMessage(130, LogLevel.Warning, "Node {NodeId} (Primary, replication id {ReplicationId}, offset {Offset}): FAILOVER started: writes paused until {Target} has acknowledged the whole log.")]
        public static partial void Waiting(ILogger logger, string nodeId, string replicationId, long offset, string target);

        [LoggerMessage(131, LogLevel.Warning, "Node {NodeId} (Primary, replication id {ReplicationId}, offset {Offset}): FAILOVER time out exceeded, failing over to {Target} (FORCE), which acknowledged only up to {Acknowledged}.")]
        public static partial void Forcing(ILogger logger, string nodeId, string replicationId, long offset, Uri target, long acknowledged);

        [LoggerMessage(132, LogLevel.Warning, "Node {NodeId} (replication id {ReplicationId}, offset {Offset}): FAILOVER to {Target} completed; this node is its secondary.")]
        public static partial void Completed(ILogger logger, string nodeId, string replicationId, long offset, Uri target);

        [LoggerMessage(133, LogLevel.Warning, "Node {NodeId} (replication id {ReplicationId}, offset {Offset}): FAILOVER aborted: {Reason}. This node is the primary; writes resume.")]
        public static partial void Aborted(ILogger logger, string nodeId, string replicationId, long offset, string reason);
    }
}
