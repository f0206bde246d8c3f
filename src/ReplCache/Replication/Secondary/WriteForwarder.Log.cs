using Microsoft.Extensions.Logging;

namespace ReplCache.Replication.Secondary;

internal sealed partial class WriteForwarder
{
    private static partial class Log
    {
        [LoggerMessage(110, LogLevel.Warning, "Node {NodeId} (secondary): the link to {Primary} went down ({Reason}) with forwarded writes pending: {NotSent} failed unsent (not applied), {InFlight} failed in flight (may have been applied).")]
        public static partial void PendingWritesFailed(ILogger logger, string nodeId, Uri primary, int notSent, int inFlight, string reason);

        [LoggerMessage(111, LogLevel.Warning, "Node {NodeId} (secondary): ReplicaWrites is ForwardToPrimary, but the primary at {Primary} does not accept forwarded writes; writes made here fail until it is upgraded.")]
        public static partial void PrimaryRefusesForwarding(ILogger logger, string nodeId, Uri primary);
    }
}
