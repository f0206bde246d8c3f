using Microsoft.Extensions.Logging;

namespace ReplCache.Replication;

internal sealed partial class BacklogRetention
{
    private static partial class Log
    {
        [LoggerMessage(147, LogLevel.Information, "Node {NodeId} (offset {Offset}): replication backlog created, up to {BacklogBytes} bytes of history kept for partial resyncs from here on: {Reason}.")]
        public static partial void BacklogCreated(ILogger logger, string nodeId, long offset, long backlogBytes, string reason);

        [LoggerMessage(148, LogLevel.Information, "Node {NodeId} (offset {Offset}): replication backlog freed after {IdleSeconds} seconds without connected secondaries (BacklogTtl, repl-backlog-ttl); {HeldBytes} bytes held before, {KeptBytes} now. A secondary that reconnects behind this offset resyncs in full.")]
        public static partial void BacklogFreed(ILogger logger, string nodeId, long offset, long idleSeconds, long heldBytes, long keptBytes);
    }
}
