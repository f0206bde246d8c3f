using Microsoft.Extensions.Logging;

namespace ReplCache.Persistence;

internal sealed partial class SnapshotSchedule
{
    private static partial class Log
    {
        [LoggerMessage(8, LogLevel.Error, "Node {NodeId}: scheduled save to {Path} failed: {Problem}. The previous snapshot is intact; the next scheduled save will try again.")]
        public static partial void ScheduledSaveFailed(ILogger logger, string nodeId, string path, string problem);
    }
}
