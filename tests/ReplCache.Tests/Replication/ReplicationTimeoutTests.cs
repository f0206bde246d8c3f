using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Replication;

/// <summary>Either side drops a link that has been silent for ReplicationTimeout, and the secondary comes back by itself.</summary>
public class ReplicationTimeoutTests
{
    private static void Fast(ReplicatedCacheOptions o)
    {
        o.HeartbeatInterval = TimeSpan.FromMilliseconds(100);
        o.ReplicationTimeout = TimeSpan.FromSeconds(1);
    }

    [Fact]
    public async Task SilentPrimary_SecondaryDropsTheLinkAfterTheTimeout_AndResyncsPartially()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync(Fast);
        await using var proxy = new TcpFaultProxy(primary.Address);
        await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(proxy.Address, Fast);
        primary.Cache.SetString("k", "v");
        await Nodes.WaitInSyncAsync(primary, secondary);

        proxy.Stall(); // nothing reaches the secondary any more, not even heartbeats
        await Poll.UntilAsync(() => secondary.Replication.GetInfo().LinkStatus == PrimaryLinkStatus.Down, "the secondary to time out");
        ReplicationInfo down = secondary.Replication.GetInfo();
        Assert.Contains("ReplicationTimeout", down.LinkDownReason);
        Assert.Equal("v", secondary.Cache.GetString("k")); // keeps its data and serves it (ServeStaleData)

        primary.Cache.SetString("k2", "v2");
        proxy.Resume();
        proxy.KillAll();
        await Nodes.WaitInSyncAsync(primary, secondary);
        Assert.Equal("v2", secondary.Cache.GetString("k2"));
        Assert.Equal(1, primary.Replication.GetInfo().FullSyncs);
        Assert.True(primary.Replication.GetInfo().PartialSyncsAccepted >= 1);
    }

    [Fact]
    public async Task SilentSecondary_PrimaryDropsItFromReplicasAfterTheTimeout()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync(Fast);
        await using var proxy = new TcpFaultProxy(primary.Address);
        await using ReplicatedCacheNode silent = await Nodes.StartSecondaryAsync(proxy.Address, Fast);
        await using ReplicatedCacheNode other = await Nodes.StartSecondaryAsync(primary.Address, Fast);
        await Nodes.WaitInSyncAsync(primary, silent, other);
        string silentId = silent.Replication.GetInfo().NodeId;

        proxy.Stall(bothWays: true);
        await Poll.UntilAsync(() => primary.Replication.GetInfo().Replicas.All(r => r.NodeId != silentId), "the primary to drop the silent secondary");
        Assert.Single(primary.Replication.GetInfo().Replicas);
        primary.Cache.SetString("k", "v");
        Assert.Equal(1, await primary.Replication.WaitForReplicasAsync(1, TimeSpan.FromSeconds(10))); // the other one is unaffected
    }

    [Fact]
    public async Task CleanDisconnect_PrimaryDropsTheSecondaryAtOnce()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(primary.Address);
        await Nodes.WaitInSyncAsync(primary, secondary);
        await secondary.DisposeAsync();
        await Poll.UntilAsync(() => primary.Replication.GetInfo().Replicas.Count == 0, "the primary to see the secondary leave", TimeSpan.FromSeconds(3));
    }
}
