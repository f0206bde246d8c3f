using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using ReplCache.Protocol;
using ReplCache.Tls;

namespace ReplCache.Replication.Secondary;

/// <summary>
/// Refuses REPLICAOF that would make a loop: pointed at this node itself, or at a node that replicates from
/// this one directly or through a chain. Redis accepts both and loops forever.
/// </summary>
/// <remarks>
/// The check walks the chain as configured right now (each node's REPLICAOF target), so a layout being rearranged is
/// judged by where every node points, not by links that have yet to reconnect; the handshake checks again at every
/// hop, so a loop closed by two concurrent changes is refused too. A node that cannot be reached ends the walk: the
/// link retries until it answers, as in Redis.
/// <para>
/// The whole walk has <see cref="WalkBudget"/>: REPLICAOF answers by then whatever the chain does. A frozen node (its
/// process stopped, its kernel still accepting connections) would otherwise hold REPLICAOF, and every command pipelined
/// behind it on that connection, for <see cref="DescribeTimeout"/> per hop. Sentinel closes a link whose PING goes
/// unanswered for half its down-after period, and what it had sent down that link is lost: a REPLICAOF pointed at the
/// frozen old primary cost the next REPLICAOF, toward the new one, so the node kept following the stale primary while
/// the promoted one had no secondary (found by the fault runner: IsolatePrimary after FreezePrimary). A walk that runs
/// out of budget accepts the target, as one that cannot be reached does; the handshake still refuses a looping link.
/// </para>
/// </remarks>
internal sealed partial class LoopCheck(ReplicationState state, ReplicatedCacheOptions options, TlsContext tls, ILogger logger)
{
    private static readonly TimeSpan DescribeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long REPLICAOF's whole walk may take: a node answers Describe in milliseconds (a new connection's handshake
    /// included), and Sentinel with a down-after of 1 s closes a link silent for 500 ms.
    /// </summary>
    internal static readonly TimeSpan WalkBudget = TimeSpan.FromMilliseconds(400);

    /// <summary>The longest chain REPLICAOF walks when it looks for a loop.</summary>
    private const int MaxChainWalk = 32;

    public static bool SameAddress(Uri a, Uri b) =>
        Uri.Compare(a, b, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;

    /// <param name="primary">The node to follow.</param>
    /// <param name="followThroughLoop">
    /// True for the primary a node's configuration names at start-up: a loop back through other nodes is then only a
    /// warning. It is a layout in transition — say a coordinated FAILOVER made this node a primary, no CONFIG REWRITE
    /// recorded it, and it restarted with its old <c>replicaof</c> while its former secondary still points at its
    /// address — which Sentinel or an operator resolves, and a node that refused to start could not be told to. The
    /// handshake refuses the looping link, which retries until the layout changes. Pointing at itself still fails.
    /// </param>
    /// <param name="cancellationToken">Abandons the walk.</param>
    /// <exception cref="InvalidOperationException">Following <paramref name="primary"/> would make a loop.</exception>
    public async Task RefuseLoopAsync(Uri primary, bool followThroughLoop, CancellationToken cancellationToken)
    {
        if (state.AdvertisedAddress is { } self && SameAddress(self, primary))
        {
            throw new InvalidOperationException($"REPLICAOF refused: {primary} is this node ({state.NodeId}) itself; a node cannot replicate from itself.");
        }

        var chain = new List<string>();
        Uri? next = primary;
        DateTime walkDeadline = DateTime.UtcNow + WalkBudget;
        for (int hop = 0; hop < MaxChainWalk && next is not null; hop++)
        {
            NodeDescription? node = await DescribeAsync(next, walkDeadline, cancellationToken).ConfigureAwait(false);
            if (node is null)
            {
                return;
            }

            if (node.NodeId == state.NodeId)
            {
                if (hop == 0)
                {
                    throw new InvalidOperationException($"REPLICAOF refused: {primary} is this node ({state.NodeId}) itself; a node cannot replicate from itself.");
                }

                string loop = string.Join(" -> ", chain.Prepend(state.NodeId).Append(state.NodeId));
                if (followThroughLoop)
                {
                    Log.ConfiguredLoop(logger, state.NodeId, state.Role, state.History.Id, state.Offset, primary, chain[0], loop);
                    return;
                }

                throw new InvalidOperationException($"REPLICAOF refused: {chain[0]} at {primary} already replicates from this node, so following it would make a loop ({loop}).");
            }

            chain.Add(node.NodeId);
            next = !node.IsPrimary && Uri.TryCreate(node.PrimaryAddress, UriKind.Absolute, out Uri? up) ? up : null;
        }
    }

    /// <summary>Asks <paramref name="address"/> who it is and whom it follows; null when it cannot say in time.</summary>
    /// <param name="address">The node to ask.</param>
    /// <param name="walkDeadline">When the whole walk must have ended (<see cref="WalkBudget"/>); a hop gets what is left.</param>
    /// <param name="cancellationToken">Abandons the question.</param>
    private async Task<NodeDescription?> DescribeAsync(Uri address, DateTime walkDeadline, CancellationToken cancellationToken)
    {
        var check = new PeerCertificateCheck();
        DateTime hopDeadline = DateTime.UtcNow + DescribeTimeout;
        try
        {
            using GrpcChannel channel = ReplicationChannel.Create(address, options, tls, check);
            var client = new Protocol.Replication.ReplicationClient(channel);
            return await client.DescribeAsync(new DescribeRequest(), AuthToken.Headers(options.AuthToken), walkDeadline < hopDeadline ? walkDeadline : hopDeadline, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.DeadlineExceeded && walkDeadline <= DateTime.UtcNow)
        {
            Log.WalkOutOfTime(logger, state.NodeId, state.Role, state.History.Id, state.Offset, address, WalkBudget.TotalMilliseconds);
            return null;
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown
            or StatusCode.Unauthenticated)
        {
            // A refused token too: the link then reports it (LinkDownReason) and retries, as Redis's replica does
            // when masterauth is wrong, instead of REPLICAOF (or the node's start) failing once for good.
            Log.TargetUnreachable(logger, state.NodeId, state.Role, state.History.Id, state.Offset, address, check.Rejection is { } refused ? $"TLS: its certificate was refused: {refused}" : ex.Status.Detail);
            return null;
        }
    }
}
