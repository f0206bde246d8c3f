using ReplCache.Backlog;
using ReplCache.Protocol;

namespace ReplCache.Replication;

/// <summary>Who this node is and whom it follows, for a node about to replicate from it (REPLICAOF's loop check).</summary>
internal sealed class NodeDescriber(ReplicationState state, ReplicationLog log, IUpstreamLink upstream)
{
    public NodeDescription Describe()
    {
        var description = new NodeDescription
        {
            NodeId = state.NodeId,
            IsPrimary = state.Role == ReplicationRole.Primary,
            ReplicationId = state.History.Id,
            Offset = log.EndOffset,
            PrimaryAddress = upstream.Primary?.ToString() ?? "",
        };
        description.UpstreamNodeIds.AddRange(state.Upstream);
        return description;
    }
}
