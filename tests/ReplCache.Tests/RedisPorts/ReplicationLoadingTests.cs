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

    private static void FillKeys(ReplicatedCacheNode primary, int count, string prefix = "key")
    {
        byte[] value = new byte[64];
        for (int i = 0; i < count; i++)
        {
            primary.Cache.Set($"{prefix}:{i}", value, new DistributedCacheEntryOptions());
        }
    }
}
