using Microsoft.Extensions.Logging;
using ReplCache.Backlog;

namespace ReplCache.Replication.Primary;

internal sealed partial class SecondarySession
{
    /// <remarks>
    /// Every message starts "Node {NodeId} ({Role}, replication id {ReplicationId}, offset {Offset})": the node serving
    /// the sync (a primary, or a secondary serving a chain), the history it streams and its log's end (or, once a
    /// sync is under way, the offset sent up to).
    /// </remarks>
    private static partial class Log
    {
        [LoggerMessage(20, LogLevel.Information, "Node {NodeId} ({Role}, replication id {ReplicationId}, offset {Offset}): partial resync of secondary {SecondaryId} started (it asked for {AskedId} at {FromOffset}): {Bytes} bytes of backlog to send.")]
        public static partial void PartialSyncAccepted(ILogger logger, string nodeId, ReplicationRole role, string replicationId, long offset, string secondaryId, string askedId, long fromOffset, long bytes);

        [LoggerMessage(21, LogLevel.Information, "Node {NodeId} ({Role}, replication id {ReplicationId}, offset {Offset}): full resync of secondary {SecondaryId} started (it asked for {AskedId} at {AskedOffset}): a snapshot of {Entries} entries, about {Bytes} bytes, then the log from that offset.")]
        public static partial void FullSyncStarted(ILogger logger, string nodeId, ReplicationRole role, string replicationId, long offset, string secondaryId, string askedId, long askedOffset, long entries, long bytes);

        [LoggerMessage(22, LogLevel.Information, "Node {NodeId} ({Role}, replication id {ReplicationId}, offset {Offset}): full resync of secondary {SecondaryId} completed: snapshot of {Entries} entries sent, {Bytes} bytes in {Messages} messages with the log written meanwhile; streaming on from that offset.")]
        public static partial void FullSyncSent(ILogger logger, string nodeId, ReplicationRole role, string replicationId, long offset, string secondaryId, long entries, long bytes, long messages);

        [LoggerMessage(25, LogLevel.Information, "Node {NodeId} ({Role}, replication id {ReplicationId}, offset {Offset}): partial resync of secondary {SecondaryId} completed: {Bytes} bytes of log sent in {Messages} messages; streaming on from that offset.")]
        public static partial void PartialSyncSent(ILogger logger, string nodeId, ReplicationRole role, string replicationId, long offset, string secondaryId, long bytes, long messages);

        [LoggerMessage(23, LogLevel.Information, "Node {NodeId} ({Role}, replication id {ReplicationId}, offset {Offset}): secondary {SecondaryId} disconnected at acknowledged offset {AckedOffset}: {Reason}.")]
        public static partial void SecondaryDisconnected(ILogger logger, string nodeId, ReplicationRole role, string replicationId, long offset, string secondaryId, long ackedOffset, string reason);

        [LoggerMessage(26, LogLevel.Warning, "Node {NodeId} ({Role}, replication id {ReplicationId}, offset {Offset}): dropped slow secondary {SecondaryId}: it was sent up to offset {SentOffset} and acknowledged {AckedOffset}, {Behind} bytes behind, more than ReplicaOutputLimitBytes ({OutputLimit}). It must reconnect and resync; raise the limit if this repeats.")]
        public static partial void SlowSecondaryDropped(ILogger logger, string nodeId, ReplicationRole role, string replicationId, long offset, string secondaryId, long sentOffset, long ackedOffset, long behind, long outputLimit);

        /// <summary>Per attempt, so Debug: <see cref="Protocol.PeerRefusals"/> warns once per peer with the same detail.</summary>
        [LoggerMessage(24, LogLevel.Debug, "Node {NodeId} ({Role}, replication id {ReplicationId}, offset {Offset}): refused secondary {SecondaryId}, serving it would make a replication loop.")]
        public static partial void LoopRefused(ILogger logger, string nodeId, ReplicationRole role, string replicationId, long offset, string secondaryId);

        /// <summary>
        /// The end of a session: a Warning when the log let go of the secondary's cursor because it fell more than the
        /// output limit behind (Redis's "client-output-buffer-limit replica"), else the reason it ended.
        /// </summary>
        /// <remarks>
        /// Judged by distance, not by the detach reason's wording: detached, still the history this session streamed
        /// (a promotion or a new primary's history detaches every cursor too), and the log's end now more than the
        /// limit past the cursor — it stops moving once detached, and the end only grows.
        /// </remarks>
        public static void Disconnected(ILogger logger, ReplicationState state, ReplicationLog log, CancellationToken stopping, ConnectedReplica replica, LogCursor cursor, string replicationId, string reason)
        {
            ReplicationHistory history = state.History;
            long end = log.EndOffset;
            long sent = cursor.Position;
            if (cursor.DetachReason is not null && history.Id == replicationId && end - sent > log.OutputLimitBytes && !stopping.IsCancellationRequested)
            {
                SlowSecondaryDropped(logger, state.NodeId, state.Role, history.Id, end, replica.NodeId, sent, replica.AckedOffset, end - sent, log.OutputLimitBytes);
            }
            else
            {
                SecondaryDisconnected(logger, state.NodeId, state.Role, history.Id, end, replica.NodeId, replica.AckedOffset, reason);
            }
        }
    }
}
