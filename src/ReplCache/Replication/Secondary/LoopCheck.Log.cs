using Microsoft.Extensions.Logging;

namespace ReplCache.Replication.Secondary;

internal sealed partial class LoopCheck
{
    private static partial class Log
    {
        [LoggerMessage(4, LogLevel.Warning, "Node {NodeId} ({Role}, replication id {ReplicationId}, offset {Offset}): REPLICAOF could not ask {Primary} who it is ({Detail}); replicating from it anyway, the link retries until it answers.")]
        public static partial void TargetUnreachable(ILogger logger, string nodeId, ReplicationRole role, string replicationId, long offset, Uri primary, string detail);

        [LoggerMessage(146, LogLevel.Warning, "Node {NodeId} ({Role}, replication id {ReplicationId}, offset {Offset}): the configured primary {Primary} ({Follower}) replicates from this node ({Loop}); following it anyway, as Redis does, and the link retries until Sentinel or an operator changes the layout.")]
        public static partial void ConfiguredLoop(ILogger logger, string nodeId, ReplicationRole role, string replicationId, long offset, Uri primary, string follower, string loop);

        [LoggerMessage(163, LogLevel.Warning, "Node {NodeId} ({Role}, replication id {ReplicationId}, offset {Offset}): REPLICAOF's loop check stopped at {Address}, which did not answer within the walk's {BudgetMs} ms (a stopped or overloaded node); replicating from the target anyway, and the handshake refuses the link if it closes a loop.")]
        public static partial void WalkOutOfTime(ILogger logger, string nodeId, ReplicationRole role, string replicationId, long offset, Uri address, double budgetMs);
    }
}
