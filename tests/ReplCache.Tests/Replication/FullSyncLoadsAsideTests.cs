using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;
using ReplCache.Tests.RedisPorts;

namespace ReplCache.Tests.Replication;

/// <summary>
/// A secondary's full sync loads aside and swaps in at the snapshot's end (Redis's <c>repl-diskless-load swapdb</c>):
/// its old dataset is served while the new one arrives, kept whole with its history when the sync fails, and replaced
/// by exactly the new one when the sync completes. Regression tests of finding F3 (RedisPorts/README.md).
/// </summary>
[Collection(HeavyCollection.Name)]
public sealed class FullSyncLoadsAsideTests
{
    /// <summary>
    /// F3's probe: a replica of master1 (1,000 keys) pointed at master2 (200,000 keys), its link killed in the
    /// middle of the transfer. It used to hold 1,812 of master2's keys and none of master1's, and needed a second
    /// full sync back on master1.
    /// </summary>
    [Fact]
    public async Task AFullSyncKilledMidTransfer_KeepsTheOldDatasetServed_AndBackOnTheOldPrimaryResyncsPartially()
    {
        await using var links = new UpstreamLinks();
        await using ReplicatedCacheNode master1 = await Nodes.StartPrimaryAsync();
        Fill(master1, "m1", 1_000);
        await using ReplicatedCacheNode replica = await links.StartSecondaryAsync(master1);
        await Nodes.WaitInSyncAsync(master1, replica);
        string digest1 = master1.Cache.GetDigest();
        ReplicationInfo before = replica.Replication.GetInfo();

        await using ReplicatedCacheNode master2 = await Nodes.StartPrimaryAsync();
        Fill(master2, "m2", 200_000);
        await links.PointAsync(replica, master2);
        await Poll.UntilAsync(() => replica.Core.Store.StagedCount > 0, "master2's snapshot to begin arriving");
        TcpFaultProxy proxy = links.Of(replica);
        proxy.Refuse(true);
        proxy.KillAll();
        await Poll.UntilAsync(
            () => replica.Replication.GetInfo().LinkStatus is PrimaryLinkStatus.Down or PrimaryLinkStatus.Connecting && !replica.Core.Store.IsStaging,
            "the full sync to break off");

        // The old dataset, whole and alone, and the old history with it.
        Assert.Equal(digest1, replica.Cache.GetDigest());
        Assert.Equal(1_000, replica.Cache.Count);
        Assert.Equal(1_000, replica.Core.Store.PhysicalCount);
        for (int i = 0; i < 1_000; i++)
        {
            Assert.Equal(ValueOf("m1", i), replica.Cache.Get($"m1:{i}"));
        }

        Assert.Null(replica.Cache.Get("m2:0"));
        ReplicationInfo after = replica.Replication.GetInfo();
        Assert.Equal((before.ReplicationId, before.Offset), (after.ReplicationId, after.Offset));
        Assert.True(replica.Core.HoldsCompleteCopy);

        // Back on master1: the history it kept is continued, as Redis's cached master is (PR #9398).
        await links.PointAsync(replica, master1);
        await Nodes.WaitInSyncAsync(master1, replica);
        Assert.True((Replicas.FullSyncs(master1), Replicas.PartialSyncs(master1)) == (1, 1), Replicas.Describe([master1, replica, master2]));
        Assert.Equal(digest1, replica.Cache.GetDigest());
    }

    /// <summary>Reads in the middle of a slow full sync return the old dataset, never a mix of the two.</summary>
    [Fact]
    public async Task ReadsDuringASlowFullSync_ReturnTheOldDataset()
    {
        await using var links = new UpstreamLinks();
        await using ReplicatedCacheNode master1 = await Nodes.StartPrimaryAsync();
        Fill(master1, "k", 1_000);
        await using ReplicatedCacheNode replica = await links.StartSecondaryAsync(master1);
        await Nodes.WaitInSyncAsync(master1, replica);
        string digest1 = master1.Cache.GetDigest();
        string id1 = master1.Replication.GetInfo().ReplicationId;

        // master2 holds the same keys with other values, and many more.
        await using ReplicatedCacheNode master2 = await Nodes.StartPrimaryAsync();
        Fill(master2, "k", 150_000, generation: 2);
        await links.PointAsync(replica, master2);
        TcpFaultProxy proxy = links.Of(replica);

        // The transfer goes in steps: stalled, read, let through until some more has arrived, again.
        int checks = 0;
        while (true)
        {
            int staged = replica.Core.Store.StagedCount;
            await Poll.UntilAsync(
                () => replica.Core.Store.StagedCount >= staged + 10_000 || replica.Replication.GetInfo().ReplicationId != id1,
                "more of master2's snapshot to arrive");
            proxy.Stall();
            if (replica.Replication.GetInfo().ReplicationId != id1)
            {
                break; // swapped in
            }

            string digest = replica.Cache.GetDigest();
            long count = replica.Cache.Count;
            byte[]? first = replica.Cache.Get("k:0");
            byte[]? beyond = replica.Cache.Get("k:100000");

            // The id is published under the write lock with the swap: still the old one now, so the reads above were
            // made before the swap, and must all have seen the old dataset.
            if (replica.Replication.GetInfo().ReplicationId == id1)
            {
                Assert.Equal(digest1, digest);
                Assert.Equal(1_000, count);
                Assert.Equal(ValueOf("k", 0), first);
                Assert.Null(beyond);
                checks++;
            }

            proxy.Resume();
        }

        proxy.Resume();
        Assert.True(checks > 0, "no read was made while the full sync was loading");
        await Nodes.WaitInSyncAsync(master2, replica);
        Assert.Equal(master2.Cache.GetDigest(), replica.Cache.GetDigest());
    }

    /// <summary>
    /// A completed full sync leaves exactly the new primary's dataset: no key of the old one survives, and the writes
    /// made during the transfer (logged aside with the snapshot) are all there.
    /// </summary>
    [Fact]
    public async Task ACompletedFullSync_SwapsInExactlyTheNewDataset()
    {
        await using var links = new UpstreamLinks();
        await using ReplicatedCacheNode master1 = await Nodes.StartPrimaryAsync();
        Fill(master1, "old", 5_000);
        Fill(master1, "shared", 1_000);
        await using ReplicatedCacheNode replica = await links.StartSecondaryAsync(master1);
        await Nodes.WaitInSyncAsync(master1, replica);

        await using ReplicatedCacheNode master2 = await Nodes.StartPrimaryAsync();
        Fill(master2, "shared", 100_000, generation: 2);
        await using (var writer = new BackgroundWriter(master2.Cache, keySpace: 100_000, seed: 3, writesPerSecond: 5_000))
        {
            await links.PointAsync(replica, master2);
            await Poll.UntilAsync(() => replica.Replication.GetInfo().LinkStatus == PrimaryLinkStatus.Up, "the full sync to complete");
            await writer.StopAsync();
            Assert.True(writer.Writes > 0);
        }

        await Nodes.WaitInSyncAsync(master2, replica);
        Assert.Equal(master2.Cache.GetDigest(), replica.Cache.GetDigest());
        Assert.Equal(master2.Cache.Count, replica.Cache.Count);
        Assert.Equal(master2.Core.Store.PhysicalCount, replica.Core.Store.PhysicalCount);
        Assert.Empty(replica.Cache.GetKeys("old:*"));
        Assert.Equal(master2.Replication.GetInfo().ReplicationId, replica.Replication.GetInfo().ReplicationId);
        Assert.Equal(1, Replicas.FullSyncs(master2));
    }

    private static void Fill(ReplicatedCacheNode primary, string prefix, int count, int generation = 1)
    {
        for (int i = 0; i < count; i++)
        {
            primary.Cache.Set($"{prefix}:{i}", ValueOf(prefix, i, generation), new DistributedCacheEntryOptions());
        }
    }

    private static byte[] ValueOf(string prefix, int i, int generation = 1) => System.Text.Encoding.UTF8.GetBytes($"{prefix}-{i}-generation-{generation}");
}
