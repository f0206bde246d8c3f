using Microsoft.Extensions.Logging;

namespace ReplCache.Replication.Primary;

internal sealed partial class SecondarySession
{
    private static partial class Log
    {
        [LoggerMessage(20, LogLevel.Information, "Node {NodeId} (primary role {ReplicationId}): partial resync accepted for secondary {SecondaryId} from offset {FromOffset} (log end {EndOffset}).")]
        public static partial void PartialSyncAccepted(ILogger logger, string nodeId, string secondaryId, string replicationId, long fromOffset, long endOffset);

        [LoggerMessage(21, LogLevel.Information, "Node {NodeId} (primary role {ReplicationId}): full resync of secondary {SecondaryId} from offset {Offset} (it asked for {AskedId} at {AskedOffset}).")]
        public static partial void FullSyncStarted(ILogger logger, string nodeId, string secondaryId, string replicationId, long offset, string askedId, long askedOffset);

        [LoggerMessage(22, LogLevel.Information, "Node {NodeId}: snapshot of {Entries} entries sent to secondary {SecondaryId}; streaming from offset {Offset}.")]
        public static partial void FullSyncSent(ILogger logger, string nodeId, string secondaryId, long entries, long offset);

        [LoggerMessage(23, LogLevel.Information, "Node {NodeId}: secondary {SecondaryId} disconnected at acknowledged offset {AckedOffset}: {Reason}.")]
        public static partial void SecondaryDisconnected(ILogger logger, string nodeId, string secondaryId, long ackedOffset, string reason);

        [LoggerMessage(24, LogLevel.Warning, "Node {NodeId}: refused secondary {SecondaryId}, serving it would make a replication loop.")]
        public static partial void LoopRefused(ILogger logger, string nodeId, string secondaryId);
    }
}
