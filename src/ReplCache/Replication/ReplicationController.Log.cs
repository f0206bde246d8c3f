using Microsoft.Extensions.Logging;

namespace ReplCache.Replication;

internal sealed partial class ReplicationController
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Node {NodeId} ({Role}, replication id {ReplicationId}, offset {Offset}): REPLICAOF {Primary} changes nothing, this node already replicates from it.")]
        public static partial void ReplicaOfUnchanged(ILogger logger, string nodeId, ReplicationRole role, string replicationId, long offset, Uri primary);

        [LoggerMessage(2, LogLevel.Information, "Node {NodeId} ({Role}, replication id {ReplicationId}, offset {Offset}): now replicates from {Primary} (REPLICAOF); it holds that history up to that offset.")]
        public static partial void ReplicaOfChanged(ILogger logger, string nodeId, ReplicationRole role, string replicationId, long offset, Uri primary);

        [LoggerMessage(3, LogLevel.Information, "Node {NodeId} ({Role}, replication id {ReplicationId}, offset {Offset}): promoted to primary; the previous replication id {ReplicationId2} stays valid up to that offset, so secondaries that followed it can continue with a partial resync.")]
        public static partial void Promoted(ILogger logger, string nodeId, ReplicationRole role, string replicationId, long offset, string replicationId2);

        [LoggerMessage(5, LogLevel.Information, "Node {NodeId}: snapshot saved to {Path}: {Entries} entries, replication id {ReplicationId} at offset {Offset}.")]
        public static partial void SnapshotSaved(ILogger logger, string nodeId, string path, long entries, string replicationId, long offset);

        [LoggerMessage(6, LogLevel.Information, "Node {NodeId}: snapshot {Path} loaded: {Entries} entries of replication id {ReplicationId} at offset {Offset}; {Live} remain after dropping those that expired meanwhile.")]
        public static partial void SnapshotLoaded(ILogger logger, string nodeId, string path, long entries, string replicationId, long offset, int live);

        [LoggerMessage(7, LogLevel.Critical, "Node {NodeId}: STARTING EMPTY because StartEmptyOnBadSnapshot is set: {Problem} The bad file was moved to {Aside} and kept.")]
        public static partial void SnapshotRejected(ILogger logger, string nodeId, string problem, string aside);

        [LoggerMessage(8, LogLevel.Error, "Node {NodeId}: scheduled save to {Path} failed: {Problem}. The previous snapshot is intact; the next scheduled save will try again.")]
        public static partial void ScheduledSaveFailed(ILogger logger, string nodeId, string path, string problem);

        [LoggerMessage(9, LogLevel.Warning, "Node {NodeId} ({Role}, replication id {ReplicationId}, offset {Offset}): REPLICAOF {Primary} again accepts the empty dataset of that primary; the {Entries} entries held here will be replaced by a full resync.")]
        public static partial void EmptyPrimaryAccepted(ILogger logger, string nodeId, ReplicationRole role, string replicationId, long offset, Uri primary, int entries);

        [LoggerMessage(4, LogLevel.Warning, "Node {NodeId} ({Role}, replication id {ReplicationId}, offset {Offset}): REPLICAOF could not ask {Primary} who it is ({Detail}); replicating from it anyway, the link retries until it answers.")]
        public static partial void TargetUnreachable(ILogger logger, string nodeId, ReplicationRole role, string replicationId, long offset, Uri primary, string detail);
    }
}
