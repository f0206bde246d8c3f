using Grpc.Core;
using Grpc.Net.Client;
using ReplCache.Protocol;

namespace ReplCache.Replication;

internal sealed partial class ReplicationController
{
    private static readonly TimeSpan DescribeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Refuses REPLICAOF that would make a loop: pointed at this node itself, or at a node that replicates from
    /// this one directly or through a chain. Redis accepts both and loops forever; the handshake checks again at
    /// every hop, so a loop formed by two concurrent changes is refused too. An unreachable target is accepted:
    /// the link retries until it answers, as in Redis.
    /// </summary>
    private async Task RefuseLoopAsync(Uri primary, CancellationToken cancellationToken)
    {
        if (AdvertisedAddress is { } self && SameAddress(self, primary))
        {
            throw new InvalidOperationException($"REPLICAOF refused: {primary} is this node ({NodeId}) itself; a node cannot replicate from itself.");
        }

        NodeDescription? target;
        try
        {
            using GrpcChannel channel = ReplicationChannel.Create(primary, Options);
            var client = new Protocol.Replication.ReplicationClient(channel);
            target = await client.DescribeAsync(new DescribeRequest(), AuthToken.Headers(Options.AuthToken), DateTime.UtcNow + DescribeTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown)
        {
            Log.TargetUnreachable(_logger, NodeId, primary, ex.Status.Detail);
            return;
        }

        if (target.NodeId == NodeId)
        {
            throw new InvalidOperationException($"REPLICAOF refused: {primary} is this node ({NodeId}) itself; a node cannot replicate from itself.");
        }

        int index = target.UpstreamNodeIds.IndexOf(NodeId);
        if (index >= 0)
        {
            IEnumerable<string> chain = target.UpstreamNodeIds.Take(index).Reverse();
            string loop = string.Join(" -> ", new[] { NodeId }.Concat(chain).Append(target.NodeId).Append(NodeId));
            throw new InvalidOperationException($"REPLICAOF refused: {target.NodeId} at {primary} already replicates from this node, so following it would make a loop ({loop}).");
        }
    }
}
