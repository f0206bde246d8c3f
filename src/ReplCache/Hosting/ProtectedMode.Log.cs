using Microsoft.Extensions.Logging;

namespace ReplCache.Hosting;

internal static partial class ProtectedMode
{
    private static partial class Log
    {
        [LoggerMessage(122, LogLevel.Warning, "No AuthToken is set and this node listens beyond the loopback interface ({Endpoints}). Protected mode is on: the Redis-protocol endpoint refuses clients from other hosts, but the replication endpoint serves any peer that reaches it. Set AuthToken (requirepass) before exposing this node.")]
        public static partial void ExposedProtected(ILogger logger, string endpoints);

        [LoggerMessage(123, LogLevel.Critical, "No AuthToken is set, protected mode is off, and this node listens beyond the loopback interface ({Endpoints}): anyone who can reach it can read, write and replicate the whole cache. Set AuthToken (requirepass), or bind to 127.0.0.1.")]
        public static partial void ExposedUnprotected(ILogger logger, string endpoints);
    }
}
