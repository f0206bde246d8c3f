using Microsoft.Extensions.Logging;

namespace ReplCache.Server;

internal sealed partial class ServerHost
{
    /// <summary>The start-up and shutdown lines of redis-server's log, in its words where they apply. Event ids unique in this assembly.</summary>
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "oO0OoO0OoO0Oo ReplCache is starting oO0OoO0OoO0Oo")]
        public static partial void Starting(ILogger logger);

        [LoggerMessage(2, LogLevel.Information, "ReplCache version={Version}, bits={Bits}, pid={Pid}, just started")]
        public static partial void JustStarted(ILogger logger, string version, int bits, int pid);

        [LoggerMessage(3, LogLevel.Information, "Configuration loaded from {File}")]
        public static partial void ConfigurationLoaded(ILogger logger, string file);

        [LoggerMessage(4, LogLevel.Warning, "No config file specified, using the default config. In order to specify a config file use replcache-server /path/to/redis.conf")]
        public static partial void NoConfigFile(ILogger logger);

        [LoggerMessage(5, LogLevel.Warning, "Failed to write PID file {Path}: {Problem}")]
        public static partial void PidFileFailed(ILogger logger, string path, string problem);

        [LoggerMessage(6, LogLevel.Critical, "Failed to start the node: {Problem}")]
        public static partial void StartFailed(ILogger logger, string problem);

        [LoggerMessage(7, LogLevel.Information, "Running mode=standalone, port={Port}.")]
        public static partial void Running(ILogger logger, int port);

        [LoggerMessage(8, LogLevel.Information, "Ready to accept connections {Transport}")]
        public static partial void Ready(ILogger logger, string transport);

        [LoggerMessage(9, LogLevel.Warning, "Received {Signal} scheduling shutdown...")]
        public static partial void SignalReceived(ILogger logger, string signal);

        [LoggerMessage(10, LogLevel.Warning, "User requested shutdown...")]
        public static partial void UserRequestedShutdown(ILogger logger);

        [LoggerMessage(11, LogLevel.Information, "Saving the final snapshot before exiting.")]
        public static partial void SavingFinal(ILogger logger);

        [LoggerMessage(12, LogLevel.Information, "DB saved on disk")]
        public static partial void Saved(ILogger logger);

        [LoggerMessage(13, LogLevel.Error, "Error while shutting down: {Problem}")]
        public static partial void StopFailed(ILogger logger, string problem);

        [LoggerMessage(14, LogLevel.Information, "Removing the pid file.")]
        public static partial void RemovingPidFile(ILogger logger);

        [LoggerMessage(15, LogLevel.Warning, "ReplCache is now ready to exit, bye bye...")]
        public static partial void Bye(ILogger logger);

        [LoggerMessage(16, LogLevel.Warning, "You insist... exiting now.")]
        public static partial void Insist(ILogger logger);

        [LoggerMessage(17, LogLevel.Information, "The node was shut down (SHUTDOWN); exiting.")]
        public static partial void StoppedByShutdown(ILogger logger);

        [LoggerMessage(18, LogLevel.Information, "Snapshot file {Path}; save points: {Save}; replicating from {Primary}")]
        public static partial void Persistence(ILogger logger, string path, string save, string primary);
    }
}
