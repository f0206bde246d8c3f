using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;
using static ReplCache.Tests.RedisPorts.Replicas;

namespace ReplCache.Tests.RedisPorts;

/// <summary>
/// Redis #2694, "Replication inconsistent issue" (critical): B → C → D with D asleep; B was made a replica of an
/// unrelated master A (a full sync, a new history), and D then psynced with C against the old history, keeping
/// <c>a=2</c> instead of A's <c>a=1</c>. The fix: a node that full-syncs drops its sub-replicas and its backlog.
/// </summary>
public sealed class Issue2694FullSyncDropsSubReplicasTests
{
    [Fact]
    public async Task Issue2694_ASubReplicaAsleepWhileItsChainFullSyncsFromAnotherMaster_FullSyncsToo()
    {
        await using var links = new UpstreamLinks();
        await using ReplicatedCacheNode a = await Nodes.StartPrimaryAsync();
        await using ReplicatedCacheNode b = await Nodes.StartPrimaryAsync();
        await using ReplicatedCacheNode c = await links.StartSecondaryAsync(b);
        await Nodes.WaitInSyncAsync(b, c);
        await using ReplicatedCacheNode d = await links.StartSecondaryAsync(c);
        a.Cache.SetString("a", "1");
        b.Cache.SetString("a", "2");
        b.Cache.SetString("only-on-b", "x");
        await Nodes.WaitInSyncAsync(b, c, d);
        Assert.Equal(1, FullSyncs(c));

        // D sleeps (its link stalled, still open) while B full-syncs from A, and C from B.
        links.Of(d).Stall(bothWays: true);
        await b.Replication.ReplicaOfAsync(a.Address);
        await Poll.UntilAsync(() => c.Replication.GetInfo().ReplicationId == a.Replication.GetInfo().ReplicationId, "C to take A's history through B");
        await Nodes.WaitInSyncAsync(a, b, c);
        links.Of(d).Resume();

        await Nodes.WaitInSyncAsync(a, b, c, d);
        Assert.Equal(a.Cache.GetDigest(), d.Cache.GetDigest());
        Assert.Equal("1", d.Cache.GetString("a"));
        Assert.Null(d.Cache.GetString("only-on-b"));
        Assert.True(FullSyncs(c) == 2 && PartialSyncs(c) == 0, Describe([a, b, c, d]));
    }
}
