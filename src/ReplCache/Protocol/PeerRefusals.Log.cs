using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace ReplCache.Protocol;

internal sealed partial class PeerRefusals
{
    /// <remarks>
    /// "Node {NodeId} ({Role}, replication id {ReplicationId}, offset {Offset})" is the refusing node, as everywhere
    /// else; what it says stays in the log, the refused peer is told none of it.
    /// </remarks>
    private static partial class Log
    {
        [LoggerMessage(120, LogLevel.Warning, "Node {NodeId} ({Role}, replication id {ReplicationId}, offset {Offset}): refused a replication {Method} call from {Peer}: {Problem} Check that the peer's AuthToken matches this node's (further refusals of this peer are not logged).")]
        public static partial void Unauthenticated(ILogger logger, string nodeId, ReplicationRole role, string replicationId, long offset, string method, string peer, string problem);

        [LoggerMessage(121, LogLevel.Warning, "Node {NodeId} ({Role}, replication id {ReplicationId}, offset {Offset}): refused a replication stream from {Peer} ({Status}): {Problem} (further refusals of this peer for the same reason are not logged).")]
        public static partial void Refused(ILogger logger, string nodeId, ReplicationRole role, string replicationId, long offset, string peer, StatusCode status, string problem);
    }
}
