using Microsoft.Extensions.Logging;

namespace ReplCache.Replication.Secondary;

internal sealed partial class PrimaryLink
{
    /// <remarks>
    /// Every message starts "Node {NodeId} ({Role}, replication id {ReplicationId}, offset {Offset})": this node, the
    /// history it holds and the offset it has applied up to, as its primary and INFO see them.
    /// </remarks>
    private static partial class Log
    {
        [LoggerMessage(40, LogLevel.Information, "Node {NodeId} ({Role}, replication id {ReplicationId}, offset {Offset}): full resync from {Primary} started: a snapshot of about {Entries} entries, then the log from that offset.")]
        public static partial void FullResyncStarted(ILogger logger, string nodeId, ReplicationRole role, string replicationId, long offset, Uri primary, long entries);

        [LoggerMessage(41, LogLevel.Information, "Node {NodeId} ({Role}, replication id {ReplicationId}, offset {Offset}): full resync from {Primary} completed: {Entries} entries loaded, {Bytes} bytes held.")]
        public static partial void FullResyncCompleted(ILogger logger, string nodeId, ReplicationRole role, string replicationId, long offset, Uri primary, long entries, long bytes);

        [LoggerMessage(42, LogLevel.Information, "Node {NodeId} ({Role}, replication id {ReplicationId}, offset {Offset}): link to {Primary} up ({How}).")]
        public static partial void LinkUp(ILogger logger, string nodeId, ReplicationRole role, string replicationId, long offset, Uri primary, string how);

        [LoggerMessage(43, LogLevel.Warning, "Node {NodeId} ({Role}, replication id {ReplicationId}, offset {Offset}): link to {Primary} down, {Next}: {Reason}")]
        public static partial void LinkDown(ILogger logger, string nodeId, ReplicationRole role, string replicationId, long offset, Uri primary, string reason, string next);

        [LoggerMessage(44, LogLevel.Warning, "Node {NodeId} ({Role}, replication id {ReplicationId}, offset {Offset}): full resync from {Primary} discards {DroppedBytes} bytes of this node's history, the writes after offset {SharedOffset} that the primary never received (as Redis, a primary that returns as a secondary drops what nobody replicated).")]
        public static partial void HistoryDiscarded(ILogger logger, string nodeId, ReplicationRole role, string replicationId, long offset, Uri primary, long droppedBytes, long sharedOffset);

        [LoggerMessage(46, LogLevel.Warning, "Node {NodeId} ({Role}, replication id {ReplicationId}, offset {Offset}): full resync from {Primary} broke off before its snapshot ended: the {Staged} entries loaded aside were dropped; this node keeps serving its previous {Held} entries and keeps its history, so it can still continue it with a partial resync.")]
        public static partial void FullResyncAbandoned(ILogger logger, string nodeId, ReplicationRole role, string replicationId, long offset, Uri primary, int staged, int held);

        [LoggerMessage(45, LogLevel.Information, "Node {NodeId} ({Role}, replication id {ReplicationId}, offset {Offset}): {Primary} does not serve gRPC-Web links ({Detail}), as an ASP.NET Core app's own endpoint does not; linking over HTTP/2 instead, whose traffic needs the host's thread pool.")]
        public static partial void FallingBackToHttp2(ILogger logger, string nodeId, ReplicationRole role, string replicationId, long offset, Uri primary, string detail);
    }
}
