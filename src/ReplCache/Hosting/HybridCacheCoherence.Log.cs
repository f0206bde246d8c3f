using Microsoft.Extensions.Logging;

namespace ReplCache.Hosting;

internal sealed partial class HybridCacheCoherence
{
    private static partial class Log
    {
        [LoggerMessage(90, LogLevel.Debug, "Node {NodeId}: HybridCache tag '{Tag}' was invalidated upstream; invalidated here too.")]
        public static partial void Relayed(ILogger logger, string nodeId, string tag);

        [LoggerMessage(91, LogLevel.Warning, "Node {NodeId}: replaying the invalidation of HybridCache tag '{Tag}' failed; entries with that tag may be served until they expire.")]
        public static partial void RelayFailed(ILogger logger, string nodeId, string tag, Exception exception);

        [LoggerMessage(141, LogLevel.Trace, "Node {NodeId}: dropped the HybridCache local copies of {Count} key(s) replication changed.")]
        public static partial void Dropped(ILogger logger, string nodeId, int count);
    }
}
