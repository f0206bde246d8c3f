using Microsoft.Extensions.Logging;

namespace ReplCache.AspNetCore.DataProtection;

internal sealed partial class ReplicatedXmlRepository
{
    private static partial class Log
    {
        [LoggerMessage(143, LogLevel.Warning, "Node {NodeId}: the Data Protection key ring under '{Prefix}' is empty in this cache group; Data Protection will create a new key ring. Expected for a new farm; otherwise the group lost its data (a primary restarted without SnapshotPath?) and what was protected before is unreadable.")]
        public static partial void EmptyRing(ILogger logger, string prefix, string nodeId);

        [LoggerMessage(144, LogLevel.Information, "Node {NodeId}: stored Data Protection key ring element '{FriendlyName}'.")]
        public static partial void Stored(ILogger logger, string friendlyName, string nodeId);
    }
}
