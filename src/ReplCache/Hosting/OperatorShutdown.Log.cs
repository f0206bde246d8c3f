using Microsoft.Extensions.Logging;

namespace ReplCache.Hosting;

internal sealed partial class OperatorShutdown
{
    private static partial class Log
    {
        [LoggerMessage(160, LogLevel.Information, "Node {NodeId}: waiting for {Replicas} replicas to acknowledge offset {Offset} before shutting down (SHUTDOWN ABORT cancels).")]
        public static partial void WaitingForReplicas(ILogger logger, string nodeId, int replicas, long offset);

        [LoggerMessage(161, LogLevel.Warning, "Node {NodeId}: Shutdown manually aborted; the node serves on.")]
        public static partial void Aborted(ILogger logger, string nodeId);

        [LoggerMessage(162, LogLevel.Information, "Node {NodeId}: {InSync} of {Replicas} replicas are in sync when shutting down.")]
        public static partial void InSync(ILogger logger, string nodeId, int inSync, int replicas);
    }
}
