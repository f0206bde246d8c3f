using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Replication;

/// <summary>A node whose configuration names a primary that, for now, replicates from this node's own address.</summary>
public sealed class StartupLoopTests
{
    /// <summary>
    /// Regression, found by the fault runner's 30-minute run: a primary made so by a coordinated FAILOVER (which no
    /// CONFIG REWRITE records) was killed and restarted with its old <c>replicaof</c>, naming its former secondary —
    /// which still pointed at its address. The loop check refused, and replcache-server exited at start, twice. It now
    /// starts as that node's secondary, as Redis would, and follows once the layout is changed (here: the other node
    /// promoted, as Sentinel would do).
    /// </summary>
    [Fact]
    public async Task ConfiguredPrimaryThatFollowsThisAddress_TheNodeStartsAsItsSecondary_AndFollowsOnceItIsPromoted()
    {
        ReplicatedCacheNode first = await Nodes.StartPrimaryAsync();
        Uri address = first.Address;
        await using ReplicatedCacheNode follower = await Nodes.StartSecondaryAsync(address);
        await Nodes.WaitInSyncAsync(first, follower);
        await first.DisposeAsync();

        await using ReplicatedCacheNode restarted = await Nodes.StartSecondaryAsync(follower.Address, o => o.Listen = $"http://127.0.0.1:{address.Port}");
        Assert.Equal(ReplicationRole.Secondary, restarted.Replication.GetInfo().Role);

        await follower.Replication.PromoteToPrimaryAsync();
        await Nodes.WaitInSyncAsync(follower, restarted);
        Assert.Equal(follower.Cache.GetDigest(), restarted.Cache.GetDigest());
    }
}
