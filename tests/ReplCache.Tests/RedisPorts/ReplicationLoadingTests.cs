using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;
using static ReplCache.Tests.RedisPorts.Replicas;

namespace ReplCache.Tests.RedisPorts;

/// <summary>
/// Redis's tests/integration/replication.tcl on a secondary in the middle of a full sync: "diskless loading short
/// read" (the snapshot stream cut again and again at random points: the secondary never breaks, and converges),
/// "diskless replication read pipe cleanup" (a FLUSHALL in the middle of the transfer) and "Blocked commands and
/// configs during async-loading" (REPLICAOF NO ONE in the middle of a load). Redis answers
/// that REPLICAOF with -LOADING, or, before the load begins, keeps the old dataset and its history; a ReplCache
/// secondary loads a full sync aside (its staged load, <c>StagedCount</c>) and drops it when promoted half-way, so
/// it holds its old dataset and history, and must not offer the history it was loading to its former siblings as if
/// it held any of it.
/// </summary>
[Collection(HeavyCollection.Name)]
public sealed class ReplicationLoadingTests
{
    [Fact]
    public async Task BlockedCommandsAndConfigsDuringAsyncLoading_APromotionHalfWayThroughAFullSync_NeverLetsASiblingContinue()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        FillKeys(primary, 100_000);
        await using ReplicatedCacheNode sibling = await Nodes.StartSecondaryAsync(primary.Address);
        await Nodes.WaitInSyncAsync(primary, sibling);

        // The loading node holds another history first: what it must keep, and offer, when the load is cut short.
        await using ReplicatedCacheNode former = await Nodes.StartPrimaryAsync();
        FillKeys(former, 1_000, "former");
        await using ReplicatedCacheNode loading = await Nodes.StartSecondaryAsync(former.Address);
        await Nodes.WaitInSyncAsync(former, loading);
        string formerDigest = former.Cache.GetDigest();

        await using var proxy = new TcpFaultProxy(primary.Address);
        await loading.Replication.ReplicaOfAsync(proxy.Address);
        await Poll.UntilAsync(() => loading.Core.Store.StagedCount > 0, "the snapshot to begin arriving");
        proxy.Stall(bothWays: true);
        Assert.Equal(PrimaryLinkStatus.Syncing, loading.Replication.GetInfo().LinkStatus);
        Assert.True(loading.Core.Store.StagedCount < 100_000, "the snapshot is still on its way");

        await loading.Replication.PromoteToPrimaryAsync();
        Assert.Equal(formerDigest, loading.Cache.GetDigest());
        Assert.NotEqual(primary.Replication.GetInfo().ReplicationId, loading.Replication.GetInfo().ReplicationId2);
        await sibling.Replication.ReplicaOfAsync(loading.Address);
        await Nodes.WaitInSyncAsync(loading, sibling);

        // Whatever the promoted node holds, its secondary holds exactly that: here the dataset it held before the load.
        Assert.Equal(loading.Cache.GetDigest(), sibling.Cache.GetDigest());
        Assert.Equal(formerDigest, sibling.Cache.GetDigest());
        Assert.True((FullSyncs(loading), PartialSyncs(loading)) == (1, 0), Describe([primary, sibling, loading]));
    }

    [Fact]
    [Trait("Category", "Long")]
    public async Task DisklessLoadingShortRead_TheSnapshotStreamCutAtRandomPoints_TheSecondaryRecoversEveryTime()
    {
        var random = new Random(38);
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        FillKeys(primary, 100_000);
        await using var proxy = new TcpFaultProxy(primary.Address);
        await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(proxy.Address);
        await using (var writer = new BackgroundWriter(primary.Cache, keySpace: 100_000, seed: 38, writesPerSecond: 2_000))
        {
            long served = 0;
            for (int cut = 0; cut < 20; cut++)
            {
                // Somewhere in this attempt's snapshot (the primary has served it): after a random share of its
                // entries has arrived, or just after it, should it complete first.
                int after = random.Next(1, 90_000);
                long before = served;
                await Poll.UntilAsync(
                    () => FullSyncs(primary) + PartialSyncs(primary) > before
                        && secondary.Replication.GetInfo() is { } info
                        && (info.LinkStatus == PrimaryLinkStatus.Syncing && secondary.Core.Store.StagedCount >= after || info.LinkStatus == PrimaryLinkStatus.Up),
                    "the next attempt's snapshot to be on its way");
                served = FullSyncs(primary) + PartialSyncs(primary);
                proxy.KillAll();
            }

            // The last cut may find the link up and caught up, and the secondary notices it a moment later: wait for
            // the attempt after it before waiting in sync, or "in sync" can be seen before the cut is.
            await Poll.UntilAsync(() => FullSyncs(primary) + PartialSyncs(primary) > served, "the secondary to come back after the last cut");
        }

        await Nodes.WaitInSyncAsync(primary, secondary);
        Assert.Equal(primary.Cache.GetDigest(), secondary.Cache.GetDigest());
        Assert.True(FullSyncs(primary) + PartialSyncs(primary) == 21, Describe([primary, secondary]));
    }

    [Fact]
    public async Task DisklessReplicationReadPipeCleanup_AFlushallDuringTheTransfer_EndsWithThePrimarysData()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        FillKeys(primary, 100_000);
        await using var proxy = new TcpFaultProxy(primary.Address);
        await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(proxy.Address);
        await Poll.UntilAsync(() => secondary.Core.Store.StagedCount > 0, "the snapshot to begin arriving");
        proxy.Stall();
        Assert.Equal(PrimaryLinkStatus.Syncing, secondary.Replication.GetInfo().LinkStatus);

        // FLUSHALL while the snapshot is on its way, then new writes: the rest of the snapshot is stale.
        primary.Core.Store.Clear();
        for (int i = 0; i < 100; i++)
        {
            primary.Cache.SetString($"after-flush{i}", "x");
        }

        proxy.Resume();
        await Nodes.WaitInSyncAsync(primary, secondary);
        Assert.Equal(100, secondary.Core.Store.PhysicalCount);
        Assert.Equal(primary.Cache.GetDigest(), secondary.Cache.GetDigest());
        Assert.Equal(1, FullSyncs(primary));
    }

    /// <summary>
    /// "Diskless load swapdb (different replid): old database is exposed after replication fails": a node with data
    /// of its own (201 keys, <c>mykey</c>) made a replica of a master with another history; the master kills the
    /// replica's link in the middle of the load, and the old data is still served, whole.
    /// </summary>
    [Fact]
    public async Task DisklessLoadSwapdb_DifferentReplid_OldDatabaseIsExposedAfterReplicationFails()
    {
        await using var links = new UpstreamLinks();
        await using ReplicatedCacheNode master = await Nodes.StartPrimaryAsync();
        FillKeys(master, 200_000);
        await using ReplicatedCacheNode replica = await Nodes.StartPrimaryAsync();
        FillKeys(replica, 200, "own");
        replica.Cache.SetString("mykey", "myvalue");
        string digest = replica.Cache.GetDigest();

        await links.PointAsync(replica, master);
        await Poll.UntilAsync(() => replica.Core.Store.StagedCount > 0, "the snapshot to begin arriving");
        links.Of(replica).Refuse(true); // killed, and kept away
        links.Of(replica).KillAll();
        await Poll.UntilAsync(() => replica.Replication.GetInfo().LinkStatus != PrimaryLinkStatus.Syncing && !replica.Core.Store.IsStaging, "the load to break off");

        Assert.Equal(201, replica.Cache.Count);
        Assert.Equal("myvalue", replica.Cache.GetString("mykey"));
        Assert.Equal(digest, replica.Cache.GetDigest());
        Assert.Null(replica.Cache.Get("key:0"));
    }

    /// <summary>
    /// "Diskless load swapdb (async_loading): old database is exposed while async replication is in progress": a
    /// replica of the same history is sent a full sync (the master's backlog no longer covers what it missed), and
    /// while that loads, reads see the dataset it had, not the new values nor a mix.
    /// </summary>
    [Fact]
    public async Task DisklessLoadSwapdbAsyncLoading_OldDatabaseIsExposedWhileAsyncReplicationIsInProgress()
    {
        await using var sync = await SameHistoryFullSync.StartAsync();
        sync.Proxy.Stall();
        ReplicationInfo info = sync.Replica.Replication.GetInfo();
        Assert.True(info.LinkStatus == PrimaryLinkStatus.Syncing && info.ReplicationId == sync.Master.Replication.GetInfo().ReplicationId, Describe([sync.Master, sync.Replica]));

        Assert.Equal(sync.OldDigest, sync.Replica.Cache.GetDigest());
        Assert.Equal(OldValue, sync.Replica.Cache.Get("key:0"));
        Assert.Equal(200_000, sync.Replica.Cache.Count);
        Assert.True(sync.Replica.Core.Store.StagedCount is > 0 and < 200_000, "the snapshot is still on its way");

        sync.Proxy.Resume();
        await Nodes.WaitInSyncAsync(sync.Master, sync.Replica);
        Assert.Equal(sync.Master.Cache.GetDigest(), sync.Replica.Cache.GetDigest());
        Assert.Equal(NewValue, sync.Replica.Cache.Get("key:0"));
    }

    /// <summary>
    /// "Diskless load swapdb (async_loading): old database is exposed after async replication fails": the same full
    /// sync, cut short: the replica keeps the dataset it had, then converges once the master can reach it again.
    /// </summary>
    [Fact]
    public async Task DisklessLoadSwapdbAsyncLoading_OldDatabaseIsExposedAfterAsyncReplicationFails()
    {
        await using var sync = await SameHistoryFullSync.StartAsync();
        sync.Proxy.Refuse(true);
        sync.Proxy.KillAll();
        await Poll.UntilAsync(() => sync.Replica.Replication.GetInfo().LinkStatus != PrimaryLinkStatus.Syncing && !sync.Replica.Core.Store.IsStaging, "the load to break off");

        Assert.Equal(sync.OldDigest, sync.Replica.Cache.GetDigest());
        Assert.Equal(OldValue, sync.Replica.Cache.Get("key:0"));
        Assert.Equal(200_000, sync.Replica.Cache.Count);

        sync.Proxy.Refuse(false);
        await Nodes.WaitInSyncAsync(sync.Master, sync.Replica);
        Assert.Equal(sync.Master.Cache.GetDigest(), sync.Replica.Cache.GetDigest());
    }

    /// <summary>
    /// "Don't disconnect with replicas before loading transferred RDB when full sync" (PR #9398): a replica with a
    /// sub-replica switches to master2, which dies before its snapshot is loaded. The sub-replica is never dropped —
    /// neither by the REPLICAOF nor by the failed sync — and the replication id is unchanged along the chain.
    /// </summary>
    [Fact]
    public async Task DontDisconnectWithReplicasBeforeLoadingTransferredRdbWhenFullSync()
    {
        await using var chain = await DyingMaster2.StartAsync();
        string id1 = chain.Master1.Replication.GetInfo().ReplicationId;

        Assert.Equal(PrimaryLinkStatus.Up, chain.SubReplica.Replication.GetInfo().LinkStatus);
        Assert.Equal(chain.SubReplicaConnections, chain.Links.Of(chain.SubReplica).ConnectionsAccepted);
        Assert.Equal(id1, chain.Replica.Replication.GetInfo().ReplicationId);
        Assert.Equal(id1, chain.SubReplica.Replication.GetInfo().ReplicationId);
        Assert.Equal(chain.Master1.Cache.GetDigest(), chain.SubReplica.Cache.GetDigest());
        Assert.True((FullSyncs(chain.Replica), PartialSyncs(chain.Replica)) == (1, 0), Describe([chain.Master1, chain.Replica, chain.SubReplica]));
    }

    /// <summary>
    /// "Discard cache master before loading transferred RDB when full sync" (PR #9398): then switched back to master1,
    /// the replica continues partially — it kept master1's history through the failed sync — and the sub-replica has
    /// done exactly one full sync and no partial one.
    /// </summary>
    [Fact]
    public async Task DiscardCacheMasterBeforeLoadingTransferredRdbWhenFullSync()
    {
        await using var chain = await DyingMaster2.StartAsync();
        await chain.Links.PointAsync(chain.Replica, chain.Master1);
        await Replicas.WaitConsistentAsync(chain.Master1, [chain.Replica, chain.SubReplica]);
        chain.Master1.Cache.SetString("after", "switching back");
        await Replicas.WaitConsistentAsync(chain.Master1, [chain.Replica, chain.SubReplica]);

        Assert.True((FullSyncs(chain.Master1), PartialSyncs(chain.Master1)) == (1, 1), Describe([chain.Master1, chain.Replica, chain.SubReplica]));
        Assert.True((FullSyncs(chain.Replica), PartialSyncs(chain.Replica)) == (1, 0), Describe([chain.Master1, chain.Replica, chain.SubReplica]));
        Assert.Equal(chain.SubReplicaConnections, chain.Links.Of(chain.SubReplica).ConnectionsAccepted);
        Assert.Equal(chain.Master1.Cache.GetDigest(), chain.SubReplica.Cache.GetDigest());
    }

    private static readonly byte[] OldValue = new byte[64];
    private static readonly byte[] NewValue = [.. Enumerable.Repeat((byte)7, 64)];

    private static void FillKeys(ReplicatedCacheNode primary, int count, string prefix = "key", byte[]? value = null)
    {
        value ??= OldValue;
        for (int i = 0; i < count; i++)
        {
            primary.Cache.Set($"{prefix}:{i}", value, new DistributedCacheEntryOptions());
        }
    }

    /// <summary>
    /// A replica in sync with its master (200,000 keys) is kept away while the master overwrites 2,000 of them, more
    /// than its 16 KiB backlog holds; let back, it is sent a full sync of the same history, which has begun to load.
    /// </summary>
    private sealed record SameHistoryFullSync(UpstreamLinks Links, ReplicatedCacheNode Master, ReplicatedCacheNode Replica, string OldDigest) : IAsyncDisposable
    {
        public TcpFaultProxy Proxy => Links.Of(Replica);

        public static async Task<SameHistoryFullSync> StartAsync()
        {
            var links = new UpstreamLinks();
            ReplicatedCacheNode master = await Nodes.StartPrimaryAsync(o => o.BacklogSizeBytes = ReplicatedCacheOptions.MinBacklogSizeBytes);
            FillKeys(master, 200_000);
            ReplicatedCacheNode replica = await links.StartSecondaryAsync(master);
            await Nodes.WaitInSyncAsync(master, replica);
            string digest = replica.Cache.GetDigest();

            links.Of(replica).Refuse(true);
            links.Of(replica).KillAll();
            await Poll.UntilAsync(() => replica.Replication.GetInfo().LinkStatus != PrimaryLinkStatus.Up, "the replica's link to drop");
            FillKeys(master, 2_000, value: NewValue);
            long fullSyncs = FullSyncs(master);
            links.Of(replica).Refuse(false);
            await Poll.UntilAsync(() => FullSyncs(master) > fullSyncs && replica.Core.Store.StagedCount > 0, "the full sync to begin loading");
            return new SameHistoryFullSync(links, master, replica, digest);
        }

        public async ValueTask DisposeAsync()
        {
            await Replica.DisposeAsync();
            await Links.DisposeAsync();
            await Master.DisposeAsync();
        }
    }

    /// <summary>
    /// Master1 → replica → sub-replica in sync; the replica is pointed at master2 (200,000 keys), whose link is cut for
    /// good once its snapshot has begun to load: master2 dies as far as the replica can tell.
    /// </summary>
    private sealed record DyingMaster2(UpstreamLinks Links, ReplicatedCacheNode Master1, ReplicatedCacheNode Master2, ReplicatedCacheNode Replica, ReplicatedCacheNode SubReplica, int SubReplicaConnections) : IAsyncDisposable
    {
        public static async Task<DyingMaster2> StartAsync()
        {
            var links = new UpstreamLinks();
            ReplicatedCacheNode master1 = await Nodes.StartPrimaryAsync();
            FillKeys(master1, 1_000, "m1");
            ReplicatedCacheNode replica = await links.StartSecondaryAsync(master1);
            ReplicatedCacheNode subReplica = await links.StartSecondaryAsync(replica);
            await Replicas.WaitConsistentAsync(master1, [replica, subReplica]);
            ReplicatedCacheNode master2 = await Nodes.StartPrimaryAsync();
            FillKeys(master2, 200_000, "m2");

            int subReplicaConnections = links.Of(subReplica).ConnectionsAccepted;
            await links.PointAsync(replica, master2);
            await Poll.UntilAsync(() => replica.Core.Store.StagedCount > 0, "master2's snapshot to begin arriving");
            links.Of(replica).Refuse(true);
            links.Of(replica).KillAll();
            await Poll.UntilAsync(() => replica.Replication.GetInfo().LinkStatus != PrimaryLinkStatus.Syncing && !replica.Core.Store.IsStaging, "the load to break off");
            return new DyingMaster2(links, master1, master2, replica, subReplica, subReplicaConnections);
        }

        public async ValueTask DisposeAsync()
        {
            await SubReplica.DisposeAsync();
            await Replica.DisposeAsync();
            await Links.DisposeAsync();
            await Master2.DisposeAsync();
            await Master1.DisposeAsync();
        }
    }
}
