using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.RedisPorts;

/// <summary>
/// Redis's <c>CLIENT KILL TYPE master</c> for ReplCache nodes: every node that is pointed somewhere reaches its
/// primary through a TCP proxy of its own, so one node's upstream link can be cut without touching any other.
/// </summary>
internal sealed class UpstreamLinks : IAsyncDisposable
{
    private readonly Dictionary<ReplicatedCacheNode, TcpFaultProxy> _proxies = [];

    /// <summary>REPLICAOF <paramref name="primary"/> on <paramref name="node"/>, through a new proxy (the old one goes).</summary>
    public async Task PointAsync(ReplicatedCacheNode node, ReplicatedCacheNode primary)
    {
        var proxy = new TcpFaultProxy(primary.Address);
        await node.Replication.ReplicaOfAsync(proxy.Address);
        if (_proxies.Remove(node, out TcpFaultProxy? old))
        {
            await old.DisposeAsync();
        }

        _proxies[node] = proxy;
    }

    /// <summary>Starts a secondary of <paramref name="primary"/> whose link goes through a proxy of its own.</summary>
    public async Task<ReplicatedCacheNode> StartSecondaryAsync(ReplicatedCacheNode primary, Action<ReplicatedCacheOptions>? configure = null)
    {
        var proxy = new TcpFaultProxy(primary.Address);
        ReplicatedCacheNode node = await Nodes.StartSecondaryAsync(proxy.Address, configure);
        _proxies[node] = proxy;
        return node;
    }

    /// <summary>The proxy <paramref name="node"/> reaches its primary through.</summary>
    public TcpFaultProxy Of(ReplicatedCacheNode node) => _proxies[node];

    /// <summary>Cuts <paramref name="node"/>'s link to its primary (it reconnects by itself).</summary>
    public void Kill(ReplicatedCacheNode node)
    {
        if (_proxies.TryGetValue(node, out TcpFaultProxy? proxy))
        {
            proxy.KillAll();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (TcpFaultProxy proxy in _proxies.Values)
        {
            await proxy.DisposeAsync();
        }

        _proxies.Clear();
    }
}
