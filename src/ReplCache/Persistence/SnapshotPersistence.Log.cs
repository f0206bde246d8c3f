using Microsoft.Extensions.Logging;

namespace ReplCache.Persistence;

internal sealed partial class SnapshotPersistence
{
    private static partial class Log
    {
        [LoggerMessage(5, LogLevel.Information, "Node {NodeId}: snapshot saved to {Path}: {Entries} entries, replication id {ReplicationId} at offset {Offset}.")]
        public static partial void SnapshotSaved(ILogger logger, string nodeId, string path, long entries, string replicationId, long offset);

        [LoggerMessage(6, LogLevel.Information, "Node {NodeId}: snapshot {Path} loaded: {Entries} entries of replication id {ReplicationId} at offset {Offset}; {Live} remain after dropping those that expired meanwhile.")]
        public static partial void SnapshotLoaded(ILogger logger, string nodeId, string path, long entries, string replicationId, long offset, int live);

        [LoggerMessage(7, LogLevel.Critical, "Node {NodeId}: STARTING EMPTY because StartEmptyOnBadSnapshot is set: {Problem} The bad file was moved to {Aside} and kept.")]
        public static partial void SnapshotRejected(ILogger logger, string nodeId, string problem, string aside);
    }
}
