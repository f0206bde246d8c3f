using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ReplCache.Replication;

namespace ReplCache.Resp.Sentinel;

/// <summary>
/// Reads the hellos the Sentinels publish through this node and, on a primary they name no longer, raises the
/// <see cref="StalePrimaryFence"/>: the hello names another address, with a config epoch no older than any hello
/// that named this node, and the node there answers INFO with another run id and <c>role:master</c>. A hello naming
/// this node lifts the fence again.
/// </summary>
/// <remarks>
/// <para>Redis's Sentinels publish their hello to every node of the group every 2 s and right after a failover's
/// switch, the replaced primary included once it is reachable again; Sentinel converts it only 8 s later. The check by
/// INFO, not by address, is what makes the fence safe to raise: a node cannot know every address it is known by (an
/// announced address, a proxy, a DNS name), and one that took its own address for another's would refuse writes. An
/// address found to be this node's is remembered, so the hellos naming it cost no further check.</para>
/// <para>A hello from a Sentinel that missed a failover names an older master with an older epoch; it is ignored
/// against the epoch of the hellos that name this node, and its master answers as a replica anyway. At most one
/// check runs at a time; the next hello retries one that could not conclude. A node whose RESP endpoint needs TLS
/// answers no plain INFO, so such a group is never fenced: it behaves as Redis does.</para>
/// </remarks>
internal sealed partial class SentinelHelloFence(ReplicationState state, StalePrimaryFence fence, string runId, string? authToken, ILogger logger, CancellationToken stopping)
{
    private readonly ConcurrentDictionary<(string Host, int Port), byte> _ownAddresses = new();
    private long _highestEpochNamingThisNode = -1;
    private int _checking;

    /// <summary>Called for every PUBLISH on this node; acts on Sentinel hellos only, and never blocks the publisher.</summary>
    public void Observe(ReadOnlySpan<byte> channel, ReadOnlySpan<byte> message)
    {
        if (!channel.SequenceEqual(SentinelHello.Channel) || state.Role != ReplicationRole.Primary || SentinelHello.TryParse(message) is not { } hello)
        {
            return;
        }

        if (_ownAddresses.ContainsKey((hello.MasterHost, hello.MasterPort)))
        {
            NamesThisNode(hello);
            return;
        }

        if (hello.MasterConfigEpoch < Volatile.Read(ref _highestEpochNamingThisNode) || hello.MasterConfigEpoch <= fence.Epoch
            || Interlocked.CompareExchange(ref _checking, 1, 0) != 0)
        {
            return;
        }

        _ = CheckAsync(hello);
    }

    private async Task CheckAsync(SentinelHello hello)
    {
        try
        {
            if (await NodeRoleProbe.AskAsync(hello.MasterHost, hello.MasterPort, authToken, stopping).ConfigureAwait(false) is not { } named)
            {
                return;
            }

            if (named.RunId == runId)
            {
                _ownAddresses.TryAdd((hello.MasterHost, hello.MasterPort), 0);
                NamesThisNode(hello);
            }
            else if (named.Role == "master" && hello.MasterConfigEpoch >= Volatile.Read(ref _highestEpochNamingThisNode))
            {
                string reason = $"READONLY You can't write against a stale primary: the Sentinels name {hello.MasterHost}:{hello.MasterPort} (run id {named.RunId}) as the master of '{hello.MasterName}' since config epoch {hello.MasterConfigEpoch}.";
                if (fence.Raise(hello.MasterConfigEpoch, reason))
                {
                    Log.Fenced(logger, state.NodeId, hello.MasterName, hello.MasterHost, hello.MasterPort, named.RunId, hello.MasterConfigEpoch);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        finally
        {
            Volatile.Write(ref _checking, 0);
        }
    }

    private void NamesThisNode(SentinelHello hello)
    {
        long seen;
        while ((seen = Volatile.Read(ref _highestEpochNamingThisNode)) < hello.MasterConfigEpoch
            && Interlocked.CompareExchange(ref _highestEpochNamingThisNode, hello.MasterConfigEpoch, seen) != seen)
        {
        }

        if (fence.Lift(hello.MasterConfigEpoch))
        {
            Log.Lifted(logger, state.NodeId, hello.MasterName, hello.MasterConfigEpoch);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(164, LogLevel.Warning, "Node {NodeId}: the Sentinels replaced this primary: their hello names {Host}:{Port} (run id {RunId}, a primary) as the master of '{Service}' since config epoch {Epoch}. Writes are refused with READONLY until they make this node a replica, as Redis's Sentinel does 8 s after the primary reappears; until then every write here would be lost.")]
        public static partial void Fenced(ILogger logger, string nodeId, string service, string host, int port, string runId, long epoch);

        [LoggerMessage(165, LogLevel.Warning, "Node {NodeId}: the Sentinels name this node as the master of '{Service}' again (config epoch {Epoch}); writes are accepted again.")]
        public static partial void Lifted(ILogger logger, string nodeId, string service, long epoch);
    }
}
