using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Replication;

/// <summary>A secondary that stops reading must cost its primary bounded memory and nobody else anything.</summary>
[Collection(HeavyCollection.Name)]
public class SlowSecondaryTests
{
    [Fact]
    public async Task StalledSecondary_DoesNotHoldBackOthers_IsDroppedAtTheOutputLimit_AndResyncs()
    {
        const long outputLimit = 4L * 1024 * 1024;
        const long backlog = 1L * 1024 * 1024;
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync(o =>
        {
            o.BacklogSizeBytes = backlog;
            o.ReplicaOutputLimitBytes = outputLimit;
        });
        await using var proxy = new TcpFaultProxy(primary.Address);
        await using ReplicatedCacheNode stalled = await Nodes.StartSecondaryAsync(proxy.Address);
        await using ReplicatedCacheNode healthy = await Nodes.StartSecondaryAsync(primary.Address);
        await Nodes.WaitInSyncAsync(primary, stalled, healthy);
        string stalledId = stalled.Replication.GetInfo().NodeId;

        proxy.Stall();
        // A steady writer a healthy secondary keeps up with (about 9 MB/s), well past the output limit in total: the
        // stalled secondary must be dropped, and the healthy one must never fall behind far enough to be dropped too.
        long retainedMax = 0;
        bool healthyWentDown = false;
        await using (var writer = new BackgroundWriter(primary.Cache, keySpace: 20_000, maxWrites: 60_000, valueBytes: 200, writesPerSecond: 40_000))
        {
            await Poll.UntilAsync(
                () =>
                {
                    retainedMax = Math.Max(retainedMax, primary.Core.ReplicationLog.RetainedBytes);
                    healthyWentDown |= healthy.Replication.GetInfo().LinkStatus != PrimaryLinkStatus.Up;
                    return writer.Writes >= 60_000;
                },
                "the writer to finish",
                TimeSpan.FromSeconds(60));
        }

        // The healthy secondary kept up while the other one stalled: never down, never resynced, caught up at once.
        Assert.True(await primary.Replication.WaitForReplicasAsync(1, TimeSpan.FromSeconds(10)) >= 1);
        await Nodes.WaitInSyncAsync(primary, healthy);
        Assert.Equal(primary.Cache.GetDigest(), healthy.Cache.GetDigest());
        Assert.False(healthyWentDown, "the healthy secondary's link went down while the other one stalled");
        Assert.Equal(2, primary.Replication.GetInfo().FullSyncs);

        // The stalled one was dropped once it fell more than the output limit behind, and the log did not keep its
        // backlog of unsent bytes: memory stayed within backlog + output limit (+ the segments being filled).
        await Poll.UntilAsync(() => primary.Replication.GetInfo().Replicas.All(r => r.NodeId != stalledId), "the stalled secondary to be dropped");
        Assert.InRange(retainedMax, 0, backlog + outputLimit + 6 * 1024 * 1024);

        proxy.Resume();
        await Nodes.WaitInSyncAsync(primary, stalled, healthy);
        Assert.Equal(primary.Cache.GetDigest(), stalled.Cache.GetDigest());
        Assert.Equal(3, primary.Replication.GetInfo().FullSyncs); // the stalled secondary's resync, and no other
    }

    [Fact]
    [Trait("Category", "Long")]
    public async Task FullSyncOfAMillionKeys_UnderAFullSpeedWriter_Converges()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        FillMillion(primary);

        ReplicatedCacheNode secondary;
        await using (var writer = new BackgroundWriter(primary.Cache, keySpace: 1_000_000, valueBytes: 100))
        {
            secondary = await Nodes.StartSecondaryAsync(primary.Address);
            await Poll.UntilAsync(() => secondary.Replication.GetInfo().LinkStatus == PrimaryLinkStatus.Up, "the full sync to complete under writes", TimeSpan.FromMinutes(3));
            Assert.True(writer.Writes > 0);
        }

        await using (secondary)
        {
            Assert.Equal(1, await primary.Replication.WaitForReplicasAsync(1, TimeSpan.FromSeconds(60)));
            Assert.Equal(primary.Cache.GetDigest(), secondary.Cache.GetDigest());

            // One thread writing flat out on a 2-core machine can outpace a secondary that shares those cores while
            // it also loads a million keys; such a secondary may need another sync, but never an endless series.
            Assert.InRange(primary.Replication.GetInfo().FullSyncs, 1, 3);
        }
    }

    [Fact]
    [Trait("Category", "Long")]
    public async Task FullSyncOfAMillionKeys_UnderASustainedWriter_TakesExactlyOneFullSync()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        FillMillion(primary);

        ReplicatedCacheNode secondary;
        await using (var writer = new BackgroundWriter(primary.Cache, keySpace: 1_000_000, valueBytes: 100, writesPerSecond: 50_000))
        {
            secondary = await Nodes.StartSecondaryAsync(primary.Address);
            await Poll.UntilAsync(() => secondary.Replication.GetInfo().LinkStatus == PrimaryLinkStatus.Up, "the full sync to complete under writes", TimeSpan.FromMinutes(3));
            long during = writer.Writes;
            await Poll.UntilAsync(() => writer.Writes > during + 10_000, "writes to go on after the sync");
        }

        await using (secondary)
        {
            Assert.Equal(1, await primary.Replication.WaitForReplicasAsync(1, TimeSpan.FromSeconds(60)));
            Assert.Equal(primary.Cache.GetDigest(), secondary.Cache.GetDigest());
            Assert.Equal(1, primary.Replication.GetInfo().FullSyncs);
        }
    }

    private static void FillMillion(ReplicatedCacheNode primary)
    {
        byte[] value = new byte[100];
        var options = new DistributedCacheEntryOptions();
        for (int i = 0; i < 1_000_000; i++)
        {
            primary.Cache.Set($"key:{i}", value, options);
        }
    }
}
