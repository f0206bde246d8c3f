using ReplCache.Tests.Infrastructure;
using static ReplCache.Tests.RedisPorts.Replicas;

namespace ReplCache.Tests.RedisPorts;

/// <summary>
/// Redis #141, "redis-server crash w/ stack trace" (critical; replication.tcl, "Connect multiple replicas at the same
/// time (issue #141)"): a replica attaching to an in-progress BGSAVE got only part of the first replica's pending
/// output, so replicas crashed or ended with missing or different keys. Here three replicas attach at the same
/// moment to a primary under five writers, so their snapshots overlap each other and the writes; in the second case
/// one of them is cut off in the middle of its snapshot. All end with the primary's digest.
/// </summary>
[Collection(HeavyCollection.Name)]
public sealed class Issue141MultipleReplicasTests
{
    [Theory]
    [Trait("Category", "Long")]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Issue141_ConnectMultipleReplicasAtTheSameTime_UnderLoad(bool killOneMidTransfer)
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        for (int i = 0; i < 200_000; i++)
        {
            primary.Cache.Set($"w{i}", new byte[32], new());
        }

        await using var links = new UpstreamLinks();
        var replicas = new List<ReplicatedCacheNode>();
        var writers = new List<BackgroundWriter>();
        try
        {
            for (int w = 0; w < 5; w++)
            {
                writers.Add(new BackgroundWriter(primary.Cache, keySpace: 200_000, seed: w, writesPerSecond: 2_000));
            }

            await Poll.UntilAsync(() => writers.All(w => w.Writes > 100), "the writers to get going");
            replicas.AddRange(await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => links.StartSecondaryAsync(primary))));
            if (killOneMidTransfer)
            {
                ReplicatedCacheNode victim = replicas[1];
                await Poll.UntilAsync(() => victim.Replication.GetInfo().LinkStatus != PrimaryLinkStatus.Connecting, "the victim's transfer to begin");
                links.Kill(victim);
            }

            long written = writers.Sum(w => w.Writes);
            await Poll.UntilAsync(() => writers.Sum(w => w.Writes) > written + 5_000, "more writes after the replicas attached");
        }
        finally
        {
            foreach (BackgroundWriter writer in writers)
            {
                await writer.DisposeAsync();
            }
        }

        await WaitConsistentAsync(primary, replicas);
        Assert.True(replicas.TrueForAll(r => r.Cache.GetDigest() == primary.Cache.GetDigest()), Describe([primary, .. replicas]));
        Assert.True(primary.Core.Store.PhysicalCount > 100_000);
        Assert.Equal(3, primary.Replication.GetInfo().Replicas.Count);
        Assert.True(FullSyncs(primary) + PartialSyncs(primary) == (killOneMidTransfer ? 4 : 3), Describe([primary, .. replicas]));
        Assert.True(FullSyncs(primary) >= 3, Describe([primary, .. replicas]));

        foreach (ReplicatedCacheNode replica in replicas)
        {
            await replica.DisposeAsync();
        }
    }
}
