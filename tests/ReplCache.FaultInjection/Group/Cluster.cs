using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace ReplCache.FaultInjection.Group;

/// <summary>
/// The group under test: N server processes, each behind two proxies of the runner's own — one that Sentinels and
/// the other nodes use (replication goes through it, since every node announces it), one that clients use — and
/// three Sentinels. A fault on a node's peer proxy partitions it from the group; on its client proxy, from clients.
/// </summary>
public sealed class Cluster : IAsyncDisposable
{
    private Cluster(ServerKind kind, string dir, NodeProcess[] nodes, TcpProxy[] peerProxies, TcpProxy[] clientProxies, Sentinels sentinels)
    {
        Kind = kind;
        Dir = dir;
        Nodes = nodes;
        PeerProxies = peerProxies;
        ClientProxies = clientProxies;
        Sentinels = sentinels;
    }

    public ServerKind Kind { get; }

    public string Dir { get; }

    public NodeProcess[] Nodes { get; }

    public TcpProxy[] PeerProxies { get; }

    public TcpProxy[] ClientProxies { get; }

    public Sentinels Sentinels { get; }

    public static async Task<Cluster> StartAsync(ServerKind kind, string dir, int nodeCount, long backlogBytes, CancellationToken cancellationToken)
    {
        var nodes = new NodeProcess[nodeCount];
        var peers = new TcpProxy[nodeCount];
        var clients = new TcpProxy[nodeCount];
        int[] ports = [.. Enumerable.Range(0, nodeCount).Select(_ => Sentinels.StablePort())];
        for (int i = 0; i < nodeCount; i++)
        {
            peers[i] = new TcpProxy(ports[i]);
            clients[i] = new TcpProxy(ports[i]);
        }

        for (int i = 0; i < nodeCount; i++)
        {
            nodes[i] = new NodeProcess(kind, Path.Combine(dir, $"node{i}"), i, ports[i], peers[i].Port, i == 0 ? null : peers[0].Port, backlogBytes);
            nodes[i].Start();
        }

        var cluster = new Cluster(kind, dir, nodes, peers, clients, Sentinels.Start(dir, peers[0].Port));
        await cluster.WaitAsync(async () => (await cluster.InfoAsync(0, cancellationToken)).GetValueOrDefault("connected_slaves") == (nodeCount - 1).ToString(CultureInfo.InvariantCulture),
            "the secondaries to connect", TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        await cluster.WaitAsync(() => cluster.Sentinels.KnowGroupAsync(nodeCount - 1, cancellationToken), "the Sentinels to know the group", TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        return cluster;
    }

    /// <summary>The node the Sentinels agree is the primary; null while they do not agree.</summary>
    public async Task<int?> PrimaryAsync(CancellationToken cancellationToken) =>
        await Sentinels.AgreedPrimaryAsync(cancellationToken).ConfigureAwait(false) is { } port && Array.FindIndex(PeerProxies, p => p.Port == port) is var i and >= 0 ? i : null;

    /// <summary>INFO of node <paramref name="node"/>, straight to its port (not through a proxy); empty when it does not answer.</summary>
    public async Task<Dictionary<string, string>> InfoAsync(int node, CancellationToken cancellationToken)
    {
        try
        {
            await using RespConnection connection = await RespConnection.ConnectAsync(Nodes[node].Port, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (await connection.CallAsync(RespConnection.DefaultTimeout, cancellationToken, "INFO").ConfigureAwait(false) is not string text)
            {
                return [];
            }

            return text.Split("\r\n").Where(l => l.Contains(':', StringComparison.Ordinal) && !l.StartsWith('#'))
                .Select(l => l.Split(':', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException or TimeoutException)
        {
            return [];
        }
    }

    /// <summary>One command straight to a node; null when it does not answer.</summary>
    public async Task<object?> CallAsync(int node, CancellationToken cancellationToken, params string[] args)
    {
        try
        {
            await using RespConnection connection = await RespConnection.ConnectAsync(Nodes[node].Port, cancellationToken: cancellationToken).ConfigureAwait(false);
            return await connection.CallAsync(TimeSpan.FromSeconds(10), cancellationToken, args).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or IOException or TimeoutException)
        {
            return null;
        }
    }

    /// <summary>Every fault undone: proxies healed, frozen nodes thawed, stopped nodes started again.</summary>
    public void HealAll()
    {
        foreach (TcpProxy proxy in PeerProxies.Concat(ClientProxies))
        {
            proxy.Heal();
        }

        foreach (NodeProcess node in Nodes)
        {
            node.Thaw();
            if (!node.IsRunning)
            {
                node.Start();
            }
        }
    }

    /// <summary>
    /// Converged: the Sentinels agree on a primary that says it is one, and every other node follows it with its link
    /// up at the primary's offset (no writes run by then).
    /// </summary>
    public async Task<int> WaitConvergedAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        int primary = -1;
        await WaitAsync(async () =>
        {
            if (await PrimaryAsync(cancellationToken).ConfigureAwait(false) is not { } p)
            {
                return false;
            }

            Dictionary<string, string> onPrimary = await InfoAsync(p, cancellationToken).ConfigureAwait(false);
            if (onPrimary.GetValueOrDefault("role") != "master")
            {
                return false;
            }

            string offset = onPrimary["master_repl_offset"];
            for (int i = 0; i < Nodes.Length; i++)
            {
                if (i == p)
                {
                    continue;
                }

                Dictionary<string, string> info = await InfoAsync(i, cancellationToken).ConfigureAwait(false);
                if (info.GetValueOrDefault("role") != "slave" || info.GetValueOrDefault("master_port") != PeerProxies[p].Port.ToString(CultureInfo.InvariantCulture)
                    || info.GetValueOrDefault("master_link_status") != "up" || info.GetValueOrDefault("slave_repl_offset") != offset)
                {
                    return false;
                }
            }

            primary = p;
            return true;
        }, "the group to converge after healing", timeout, cancellationToken).ConfigureAwait(false);
        return primary;
    }

    public async Task WaitAsync(Func<Task<bool>> condition, string what, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition().ConfigureAwait(false))
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:F0} s waiting for {what}.");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Sentinels.DisposeAsync().ConfigureAwait(false);
        foreach (NodeProcess node in Nodes)
        {
            await node.DisposeAsync().ConfigureAwait(false);
        }

        foreach (TcpProxy proxy in PeerProxies.Concat(ClientProxies))
        {
            await proxy.DisposeAsync().ConfigureAwait(false);
        }
    }
}
