using Microsoft.Extensions.Logging;

namespace ReplCache.AspNetCore.Consistency;

internal sealed partial class ConsistencyMiddleware
{
    private static partial class Log
    {
        [LoggerMessage(140, LogLevel.Warning, "Node {NodeId}: a request brought replication position {Wanted}, which this node (at {Current}) did not apply within {MaxWaitMs} ms.")]
        public static partial void Behind(ILogger logger, string nodeId, string wanted, string current, double maxWaitMs);

        [LoggerMessage(145, LogLevel.Information, "Node {NodeId}: a request brought replication position {Wanted}, of a history this node (at {Current}) does not know; served as it is, and the position cookie dropped.")]
        public static partial void UnknownHistory(ILogger logger, string nodeId, string wanted, string current);
    }
}
