using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;
using static ReplCache.Tests.RedisPorts.Replicas;

namespace ReplCache.Tests.RedisPorts;

/// <summary>
/// Redis's tests/integration/psync2-pingoff.tcl: topology changes while heartbeats are still on their way. In Redis a
/// PING is part of the replication stream, so a node that got a PING its new primary missed is "ahead" of it and
/// must full sync (the test expects 6 full syncs on the master and 2 on replica1). ReplCache's heartbeats are
/// messages beside the stream and never move an offset, so the same moves must all be partial resyncs: beyond the
/// initial syncs, no full sync anywhere, and offsets exactly equal along every chain (#6718, #7306, #7314).
/// </summary>
public sealed class Psync2PingoffTests
{
    [Fact]
    public async Task Psync2Pingoff_PauseReplicaAndPromoteIt_TheOldMasterContinuesPartially_WithExactlyEqualOffsets()
    {
        await using ReplicatedCacheNode r0 = await Nodes.StartPrimaryAsync();
        await using var links = new UpstreamLinks();
        await using ReplicatedCacheNode r1 = await links.StartSecondaryAsync(r0);

        // PSYNC2 pingoff: setup; write and wait replication.
        r0.Cache.SetString("foo", "bar");
        for (int counter = 1; counter <= 3; counter++)
        {
            r0.Cache.SetString("counter", $"{counter}");
        }

        await Nodes.WaitInSyncAsync(r0, r1);
        Assert.Equal("3", r1.Cache.GetString("counter"));

        // PSYNC2 pingoff: pause replica and promote it. Redis does MULTI; DEBUG SLEEP 5; SLAVEOF NO ONE; EXEC, so
        // the PINGs sent meanwhile sit unread in the replica's socket when it is promoted; here its link is stalled
        // until the primary has sent several heartbeats it will never read.
        links.Of(r1).Stall(bothWays: true);
        TimeSpan silence = 4 * Nodes.Options().HeartbeatInterval;
        await Poll.UntilAsync(() => r1.Replication.GetInfo().PrimaryLastIoAgo > silence, "heartbeats to pile up unread");
        await r1.Replication.PromoteToPrimaryAsync();

        // Make the old master a replica of the new one and check conditions.
        Assert.Equal(0, FullSyncs(r1));
        await r0.Replication.ReplicaOfAsync(r1.Address);
        await Poll.UntilAsync(() => r0.Replication.GetInfo().LinkStatus == PrimaryLinkStatus.Up, "the new master to sync its old one");
        r1.Cache.SetString("x", "1");
        await Poll.UntilAsync(() => r0.Cache.GetString("x") == "1", "the old master to get the write");
        Assert.Equal(r1.Replication.GetInfo().Offset, r0.Replication.GetInfo().Offset);
        Assert.Equal((0, 1), (FullSyncs(r1), PartialSyncs(r1)));
        Assert.Equal(r1.Cache.GetDigest(), r0.Cache.GetDigest());
    }

    [Fact]
    public async Task Psync2Pingoff_VariousEdgeCasesOfReplTopologyChanges_WithMissingPingsAtTheEnd()
    {
        await using var links = new UpstreamLinks();
        await using ReplicatedCacheNode master = await Nodes.StartPrimaryAsync();
        await using ReplicatedCacheNode replica1 = await links.StartSecondaryAsync(master);
        await using ReplicatedCacheNode replica2 = await links.StartSecondaryAsync(master);
        await using ReplicatedCacheNode replica3 = await links.StartSecondaryAsync(master);
        await using ReplicatedCacheNode replica4 = await links.StartSecondaryAsync(master);
        ReplicatedCacheNode[] all = [master, replica1, replica2, replica3, replica4];
        ReplicatedCacheNode[] replicas = [replica2, replica3, replica4, master];
        await Poll.UntilAsync(() => master.Replication.GetInfo().Replicas.Count == 4, "the four replicas to connect");

        master.Cache.SetString("x", "1");
        await Nodes.WaitInSyncAsync(master, replica1, replica2, replica3, replica4);

        // Disconnect replica1 and replica2, and let the master send heartbeats to replica3 and replica4 only.
        // replica2 is pointed at a dead port, not promoted: promotion would shift its replication id.
        await replica1.Replication.PromoteToPrimaryAsync();
        await replica2.Replication.ReplicaOfAsync(new Uri($"http://127.0.0.1:{LocalPorts.Free()}"));
        await Task.WhenAll(HeardAsync(replica3, 3), HeardAsync(replica4, 3));

        // Everyone syncs from replica1, which missed the last heartbeats: replica3 and the old master directly,
        // replica4 through the old master it still follows, and replica2 reconnects to the old master.
        await links.PointAsync(replica3, replica1);
        await links.PointAsync(master, replica1);
        await links.PointAsync(replica2, master);
        await WaitConsistentAsync(replica1, all);

        replica1.Cache.SetString("x", "2");
        await WaitConsistentAsync(replica1, all);
        Assert.All(all, n => Assert.Equal("2", n.Cache.GetString("x")));
        AssertFullSyncs();

        // Force psync: every node's link to its master is killed.
        foreach (ReplicatedCacheNode node in replicas)
        {
            links.Kill(node);
        }

        replica1.Cache.SetString("x", "3");
        await WaitConsistentAsync(replica1, all);
        Assert.All(all, n => Assert.Equal("3", n.Cache.GetString("x")));
        AssertFullSyncs();
        Assert.All(all, n => Assert.Equal(replica1.Cache.GetDigest(), n.Cache.GetDigest()));

        void AssertFullSyncs() => Assert.True(
            (FullSyncs(master), FullSyncs(replica1), FullSyncs(replica2), FullSyncs(replica3), FullSyncs(replica4)) == (4, 0, 0, 0, 0),
            Describe(all));
    }

    [Fact]
    public async Task Psync2Pingoff_ChainedReplicasDisconnect_WhenReplicaReconnectsWithTheSameMaster()
    {
        await using var links = new UpstreamLinks();
        await using ReplicatedCacheNode r0 = await Nodes.StartPrimaryAsync();
        await using ReplicatedCacheNode r1 = await links.StartSecondaryAsync(r0);
        await Nodes.WaitInSyncAsync(r0, r1);
        await using ReplicatedCacheNode r2 = await links.StartSecondaryAsync(r1);

        // Write on the master, then let heartbeats flow down the whole chain while it is idle (#7314: with a
        // heartbeat in the offset space, the chain's offsets drifted apart).
        r0.Cache.SetString("counter2", "1");
        await Nodes.WaitInSyncAsync(r0, r1, r2);
        await HeardAsync(r2, 5);
        Assert.Equal(r0.Replication.GetInfo().Offset, r1.Replication.GetInfo().Offset);
        Assert.Equal(r0.Replication.GetInfo().Offset, r2.Replication.GetInfo().Offset);
        long partialOnMaster = PartialSyncs(r0), partialOnReplica = PartialSyncs(r1), fullOnReplica = FullSyncs(r1);

        // Disconnect the master's direct replica: it continues with the same history, so its own replica stays.
        links.Kill(r1);
        await Poll.UntilAsync(
            () => r1.Replication.GetInfo().LinkStatus == PrimaryLinkStatus.Up && PartialSyncs(r0) == partialOnMaster + 1,
            "the disconnected replica to psync with its master");
        Assert.Equal(r0.Replication.GetInfo().Offset, r1.Replication.GetInfo().Offset);
        Assert.Equal(r0.Replication.GetInfo().Offset, r2.Replication.GetInfo().Offset);

        r0.Cache.SetString("counter2", "2");
        await Nodes.WaitInSyncAsync(r0, r1, r2);
        Assert.Equal("2", r2.Cache.GetString("counter2"));
        // Had r1 dropped r2, r2 would have had to reconnect (a psync on r1) before it could get the second write.
        Assert.Equal((fullOnReplica, partialOnReplica), (FullSyncs(r1), PartialSyncs(r1)));
        Assert.Equal(r0.Replication.GetInfo().Offset, r1.Replication.GetInfo().Offset);
        Assert.Equal(r0.Replication.GetInfo().Offset, r2.Replication.GetInfo().Offset);
    }
}
