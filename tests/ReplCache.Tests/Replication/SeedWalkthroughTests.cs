using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Replication;

/// <summary>
/// The seed tutorial's "one primary, two replicas" walkthrough (section 2.2, steps 1–11), played on three in-process
/// nodes named after the tutorial's Redis ports. Each step checks what <c>INFO replication</c> would show and the data.
/// </summary>
public sealed class SeedWalkthroughTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("replcache-seed-walkthrough-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task OnePrimaryTwoReplicas_Steps1To11_AsTheTutorialPlaysThemOnRedis()
    {
        // Each node persists to its own file, as redis6379.conf's "dbfilename dump6379.rdb": a node stopped and
        // started again on the same port comes back with its data.
        ReplicatedCacheNode n6379 = await StartAsync("6379");
        ReplicatedCacheNode n6380 = await StartAsync("6380");
        await using ReplicatedCacheNode n6381 = await StartAsync("6381");
        Uri a6379 = n6379.Address, a6380 = n6380.Address;
        try
        {
            // 1. info replication: every node is a primary with no replicas.
            foreach (ReplicatedCacheNode node in new[] { n6379, n6380, n6381 })
            {
                ReplicationInfo info = node.Replication.GetInfo();
                Assert.Equal(ReplicationRole.Primary, info.Role);
                Assert.Equal(PrimaryLinkStatus.None, info.LinkStatus);
                Assert.Null(info.PrimaryAddress);
                Assert.Empty(info.Replicas);
                Assert.Equal(0, info.Offset);
                Assert.Contains("role:master\r\nconnected_slaves:0\r\n", info.ToInfoString());
            }

            // 2. set k1 v1 on 6379: the three nodes are independent.
            n6379.Cache.SetString("k1", "v1");
            Assert.True(n6379.Replication.GetInfo().Offset > 0);
            Assert.Equal("v1", n6379.Cache.GetString("k1"));
            Assert.Null(n6380.Cache.GetString("k1"));
            Assert.Null(n6381.Cache.GetString("k1"));
            Assert.Equal(0, n6380.Replication.GetInfo().Offset);
            Assert.Equal(0, n6381.Replication.GetInfo().Offset);

            // 3. slaveof 127.0.0.1 6379 on 6380 and 6381.
            await n6380.Replication.ReplicaOfAsync(a6379);
            await n6381.Replication.ReplicaOfAsync(a6379);
            foreach (ReplicatedCacheNode node in new[] { n6380, n6381 })
            {
                ReplicationInfo info = node.Replication.GetInfo();
                Assert.Equal(ReplicationRole.Secondary, info.Role);
                Assert.Equal(a6379, info.PrimaryAddress);
            }

            // 4. Full sync: the data 6379 already had is on both replicas.
            await Nodes.WaitInSyncAsync(n6379, n6380, n6381);
            Assert.Equal(["k1"], n6380.Cache.GetKeys());
            Assert.Equal(["k1"], n6381.Cache.GetKeys());
            ReplicationInfo primary = n6379.Replication.GetInfo();
            Assert.Equal(2, primary.FullSyncs);
            Assert.Equal(0, primary.PartialSyncsAccepted);
            await Poll.UntilAsync(
                () => n6379.Replication.GetInfo().Replicas is [{ State: "online" } r0, { State: "online" } r1] && r0.AckedOffset == primary.Offset && r1.AckedOffset == primary.Offset,
                "both replicas online, acknowledging 6379's offset");
            Assert.Equal(["6380", "6381"], n6379.Replication.GetInfo().Replicas.Select(r => r.NodeId).Order());
            foreach (ReplicatedCacheNode node in new[] { n6380, n6381 })
            {
                ReplicationInfo info = node.Replication.GetInfo();
                Assert.Equal(PrimaryLinkStatus.Up, info.LinkStatus);
                Assert.Equal(primary.ReplicationId, info.ReplicationId);
                Assert.Equal(primary.Offset, info.Offset);
                Assert.Contains("master_link_status:up", info.ToInfoString());
            }

            // 5. Incremental: set k2 v2 on 6379 reaches both replicas by the stream, no new sync.
            n6379.Cache.SetString("k2", "v2");
            await Nodes.WaitInSyncAsync(n6379, n6380, n6381);
            Assert.Equal(["k1", "k2"], n6380.Cache.GetKeys().Order());
            Assert.Equal(["k1", "k2"], n6381.Cache.GetKeys().Order());
            Assert.Equal(2, n6379.Replication.GetInfo().FullSyncs);
            Assert.Equal(0, n6379.Replication.GetInfo().PartialSyncsAccepted);

            // 6. Replicas are read-only: set k3 v3 on 6380 and 6381 is refused as Redis words it.
            foreach (ReplicatedCacheNode node in new[] { n6380, n6381 })
            {
                var refused = Assert.Throws<ReadOnlyReplicaException>(() => node.Cache.SetString("k3", "v3"));
                Assert.StartsWith("READONLY", refused.Message);
            }

            Assert.Null(n6379.Cache.GetString("k3"));

            // 7. shutdown 6379: the replicas stay replicas of 6379, report the link down and for how long, and serve reads.
            ReplicationInfo lastBeforeStop = n6379.Replication.GetInfo();
            await n6379.StopAsync();
            await Poll.UntilAsync(() => n6380.Replication.GetInfo().LinkStatus == PrimaryLinkStatus.Down && n6381.Replication.GetInfo().LinkStatus == PrimaryLinkStatus.Down, "both links to go down");
            foreach (ReplicatedCacheNode node in new[] { n6380, n6381 })
            {
                ReplicationInfo down = node.Replication.GetInfo();
                Assert.Equal(ReplicationRole.Secondary, down.Role);
                Assert.Equal(a6379, down.PrimaryAddress);
                Assert.Equal(lastBeforeStop.Offset, down.Offset); // the stop drained: they hold everything 6379 wrote
                Assert.NotNull(down.LinkDownFor);
                Assert.NotNull(down.LinkDownReason);
                Assert.Contains("master_link_status:down", down.ToInfoString());
                Assert.Contains("master_link_down_since_seconds:", down.ToInfoString());
                Assert.Equal("v1", node.Cache.GetString("k1"));
                Assert.Equal("v2", node.Cache.GetString("k2"));
                await Poll.UntilAsync(() => node.Replication.GetInfo().LinkDownFor > down.LinkDownFor, "the time since the link went down to grow");
            }

            // 8. 6379 back on its port, with its data: the replicas reconnect by themselves and continue partially.
            n6379 = await StartAsync("6379", listen: a6379);
            Assert.Equal(["k1", "k2"], n6379.Cache.GetKeys().Order());
            ReplicationInfo restarted = n6379.Replication.GetInfo();
            Assert.Equal(lastBeforeStop.ReplicationId, restarted.ReplicationId2); // Redis 7: a restarted master shifts its id
            Assert.Equal(lastBeforeStop.Offset + 1, restarted.SecondOffset);
            await Nodes.WaitInSyncAsync(n6379, n6380, n6381);
            await Poll.UntilAsync(() => n6379.Replication.GetInfo().Replicas.Count == 2, "6379 to list both replicas again");
            restarted = n6379.Replication.GetInfo();
            Assert.Equal(0, restarted.FullSyncs);
            Assert.Equal(2, restarted.PartialSyncsAccepted);
            Assert.Equal(0, restarted.PartialSyncsRejected);
            n6379.Cache.SetString("k4", "v4");
            await Nodes.WaitInSyncAsync(n6379, n6380, n6381);
            AssertSameData(n6379, n6380, n6381);
            Assert.Equal(restarted.ReplicationId, n6380.Replication.GetInfo().ReplicationId);

            // 9. shutdown 6380: 6379 drops it at once (a clean stop closes the stream); 6381 is unaffected.
            await n6380.StopAsync();
            await Poll.UntilAsync(() => n6379.Replication.GetInfo().Replicas is [{ NodeId: "6381" }], "6379 to drop 6380", TimeSpan.FromSeconds(3));
            n6379.Cache.SetString("k5", "v5"); // written while 6380 is down
            await Nodes.WaitInSyncAsync(n6379, n6381);
            Assert.Equal("v5", n6381.Cache.GetString("k5"));
            Assert.Equal(PrimaryLinkStatus.Up, n6381.Replication.GetInfo().LinkStatus);
            Assert.Equal(2, n6379.Replication.GetInfo().PartialSyncsAccepted); // 6381 did not reconnect

            // 10. 6380 back. Redis forgets a SLAVEOF given at run time and needs it again; a ReplCache node restarted
            // with its PrimaryAddress configured reconnects by itself, continuing from its snapshot.
            n6380 = await StartAsync("6380", listen: a6380, primary: a6379);
            await Nodes.WaitInSyncAsync(n6379, n6380, n6381);
            Assert.Equal("v5", n6380.Cache.GetString("k5"));
            Assert.Equal(0, n6379.Replication.GetInfo().FullSyncs);
            Assert.Equal(3, n6379.Replication.GetInfo().PartialSyncsAccepted);
            await Poll.UntilAsync(() => n6379.Replication.GetInfo().Replicas.Count == 2, "6379 to list 6380 again");

            // ...and slaveof 127.0.0.1 6379 again, as the tutorial does, changes nothing: no new sync, the link stays up.
            await n6380.Replication.ReplicaOfAsync(a6379);
            n6379.Cache.SetString("k6", "v6");
            await Nodes.WaitInSyncAsync(n6379, n6380, n6381);
            Assert.Equal(PrimaryLinkStatus.Up, n6380.Replication.GetInfo().LinkStatus);
            Assert.Equal(0, n6379.Replication.GetInfo().FullSyncs);
            Assert.Equal(3, n6379.Replication.GetInfo().PartialSyncsAccepted);
            AssertSameData(n6379, n6380, n6381);

            // 11a. shutdown 6379 again: both replicas wait, holding everything.
            ReplicationInfo oldPrimary = n6379.Replication.GetInfo();
            await n6379.StopAsync();
            await Poll.UntilAsync(() => n6380.Replication.GetInfo().LinkStatus == PrimaryLinkStatus.Down && n6381.Replication.GetInfo().LinkStatus == PrimaryLinkStatus.Down, "both links to go down again");
            Assert.Equal(oldPrimary.Offset, n6380.Replication.GetInfo().Offset);
            Assert.Equal(oldPrimary.Offset, n6381.Replication.GetInfo().Offset);

            // 11b. slaveof no one on 6380: a primary with a new history; the old id stays valid up to here (PSYNC2).
            ReplicationInfo beforePromotion = n6380.Replication.GetInfo();
            await n6380.Replication.PromoteToPrimaryAsync();
            ReplicationInfo promoted = n6380.Replication.GetInfo();
            Assert.Equal(ReplicationRole.Primary, promoted.Role);
            Assert.Equal(PrimaryLinkStatus.None, promoted.LinkStatus);
            Assert.Null(promoted.PrimaryAddress);
            Assert.NotEqual(beforePromotion.ReplicationId, promoted.ReplicationId);
            Assert.Equal(beforePromotion.ReplicationId, promoted.ReplicationId2);
            Assert.Equal(beforePromotion.Offset + 1, promoted.SecondOffset);
            Assert.Contains("role:master", promoted.ToInfoString());
            n6380.Cache.SetString("k7", "v7"); // it takes writes at once

            // 11c. slaveof 127.0.0.1 6380 on 6381: it continues partially from the shared history.
            await n6381.Replication.ReplicaOfAsync(a6380);
            await Nodes.WaitInSyncAsync(n6380, n6381);
            Assert.Equal("v7", n6381.Cache.GetString("k7"));
            Assert.Equal(0, n6380.Replication.GetInfo().FullSyncs);
            Assert.Equal(1, n6380.Replication.GetInfo().PartialSyncsAccepted);
            Assert.Equal(promoted.ReplicationId, n6381.Replication.GetInfo().ReplicationId);
            Assert.Equal(a6380, n6381.Replication.GetInfo().PrimaryAddress);

            // 11d. 6379 back: alone, a primary with its own data and no replicas (nobody points at it any more).
            n6379 = await StartAsync("6379", listen: a6379);
            ReplicationInfo alone = n6379.Replication.GetInfo();
            Assert.Equal(ReplicationRole.Primary, alone.Role);
            Assert.Empty(alone.Replicas);
            Assert.Equal("v6", n6379.Cache.GetString("k6"));
            Assert.Null(n6379.Cache.GetString("k7"));

            // 11e. slaveof 127.0.0.1 6381 on 6379: 6381 is a replica of 6380 and has a replica of its own.
            await n6379.Replication.ReplicaOfAsync(n6381.Address);
            n6380.Cache.SetString("k8", "v8");
            await Nodes.WaitInSyncAsync(n6380, n6381, n6379); // 6380 -> 6381 -> 6379, the top primary's offsets all along
            ReplicationInfo middle = n6381.Replication.GetInfo();
            Assert.Equal(ReplicationRole.Secondary, middle.Role);
            Assert.Equal(a6380, middle.PrimaryAddress);
            Assert.Equal(PrimaryLinkStatus.Up, middle.LinkStatus);
            await Poll.UntilAsync(() => n6381.Replication.GetInfo().Replicas is [{ NodeId: "6379", State: "online" }], "6381 to list 6379 as its replica");
            Assert.Contains("role:slave", middle.ToInfoString());
            Assert.Contains("connected_slaves:1", n6381.Replication.GetInfo().ToInfoString());
            Assert.Equal(["6381"], n6380.Replication.GetInfo().Replicas.Select(r => r.NodeId));
            Assert.Equal(promoted.ReplicationId, n6379.Replication.GetInfo().ReplicationId);

            // 6379's restart began a history of its own (11d), which 6381 never saw: a full sync, as in Redis.
            Assert.Equal(1, n6381.Replication.GetInfo().FullSyncs);
            Assert.Equal("v7", n6379.Cache.GetString("k7"));
            Assert.Equal("v8", n6379.Cache.GetString("k8"));
            AssertSameData(n6380, n6381, n6379);
            Assert.Throws<ReadOnlyReplicaException>(() => n6381.Cache.SetString("k9", "v9"));
        }
        finally
        {
            await n6379.DisposeAsync();
            await n6380.DisposeAsync();
        }
    }

    private Task<ReplicatedCacheNode> StartAsync(string name, Uri? listen = null, Uri? primary = null) =>
        ReplicatedCacheNode.StartAsync(
            Nodes.Options(primary, o =>
            {
                o.NodeId = name;
                o.SnapshotPath = Path.Combine(_dir, $"dump{name}.rcs");
                if (listen is not null)
                {
                    o.Listen = $"http://127.0.0.1:{listen.Port}"; // the same port as before the stop
                }
            }),
            Nodes.LoggerFactory);

    private static void AssertSameData(ReplicatedCacheNode primary, params ReplicatedCacheNode[] secondaries)
    {
        long offset = primary.Replication.GetInfo().Offset;
        string digest = primary.Cache.GetDigest();
        foreach (ReplicatedCacheNode secondary in secondaries)
        {
            Assert.Equal(digest, secondary.Cache.GetDigest());
            Assert.Equal(offset, secondary.Replication.GetInfo().Offset);
        }
    }
}
