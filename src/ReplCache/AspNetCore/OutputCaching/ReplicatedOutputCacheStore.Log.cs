using Microsoft.Extensions.Logging;

namespace ReplCache.AspNetCore.OutputCaching;

internal sealed partial class ReplicatedOutputCacheStore
{
    private static partial class Log
    {
        [LoggerMessage(142, LogLevel.Warning, "The output cache entry '{Key}' was not stored: {Reason}")]
        public static partial void NotStored(ILogger logger, string key, string reason);
    }
}
