using Grpc.Core;
using Grpc.Net.Client;
using ReplCache.Protocol;
using ReplCache.Tls;

namespace ReplCache.Replication;

internal sealed partial class ReplicationController
{
    private static readonly TimeSpan DescribeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The longest chain REPLICAOF walks when it looks for a loop.</summary>
    private const int MaxChainWalk = 32;

    /// <summary>
    /// Refuses REPLICAOF that would make a loop: pointed at this node itself, or at a node that replicates from
    /// this one directly or through a chain. Redis accepts both and loops forever. The check walks the chain as
    /// configured right now (each node's REPLICAOF target), so a layout being rearranged is judged by where every
    /// node points, not by links that have yet to reconnect; the handshake checks again at every hop, so a loop
    /// closed by two concurrent changes is refused too. A node that cannot be reached ends the walk: the link
    /// retries until it answers, as in Redis.
    /// </summary>
    private async Task RefuseLoopAsync(Uri primary, CancellationToken cancellationToken)
    {
        if (AdvertisedAddress is { } self && SameAddress(self, primary))
        {
            throw new InvalidOperationException($"REPLICAOF refused: {primary} is this node ({NodeId}) itself; a node cannot replicate from itself.");
        }

        var chain = new List<string>();
        Uri? next = primary;
        for (int hop = 0; hop < MaxChainWalk && next is not null; hop++)
        {
            NodeDescription? node = await DescribeAsync(next, cancellationToken).ConfigureAwait(false);
            if (node is null)
            {
                return;
            }

            if (node.NodeId == NodeId)
            {
                if (hop == 0)
                {
                    throw new InvalidOperationException($"REPLICAOF refused: {primary} is this node ({NodeId}) itself; a node cannot replicate from itself.");
                }

                string loop = string.Join(" -> ", chain.Prepend(NodeId).Append(NodeId));
                throw new InvalidOperationException($"REPLICAOF refused: {chain[0]} at {primary} already replicates from this node, so following it would make a loop ({loop}).");
            }

            chain.Add(node.NodeId);
            next = !node.IsPrimary && Uri.TryCreate(node.PrimaryAddress, UriKind.Absolute, out Uri? up) ? up : null;
        }
    }

    private async Task<NodeDescription?> DescribeAsync(Uri address, CancellationToken cancellationToken)
    {
        var check = new PeerCertificateCheck();
        try
        {
            using GrpcChannel channel = ReplicationChannel.Create(address, Options, Tls, check);
            var client = new Protocol.Replication.ReplicationClient(channel);
            return await client.DescribeAsync(new DescribeRequest(), AuthToken.Headers(Options.AuthToken), DateTime.UtcNow + DescribeTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown
            or StatusCode.Unauthenticated)
        {
            // A refused token too: the link then reports it (LinkDownReason) and retries, as Redis's replica does
            // when masterauth is wrong, instead of REPLICAOF (or the node's start) failing once for good.
            Log.TargetUnreachable(_logger, NodeId, Role, History.Id, ReplicationLog.EndOffset, address, check.Rejection is { } refused ? $"TLS: its certificate was refused: {refused}" : ex.Status.Detail);
            return null;
        }
    }
}
