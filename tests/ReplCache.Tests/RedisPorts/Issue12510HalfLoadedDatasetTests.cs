using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.RedisPorts;

/// <summary>
/// Redis PR #12510: a replica whose load of the master's RDB failed half-way kept the half-loaded dataset. Here a
/// full sync fails half-way on data the secondary refuses (a value over its own <c>MaxValueBytes</c>), on every retry:
/// the secondary serves its old dataset, whole, and no key of the half-loaded one.
/// </summary>
[Collection(HeavyCollection.Name)]
public sealed class Issue12510HalfLoadedDatasetTests
{
    [Fact]
    public async Task Issue12510_AFullSyncFailingHalfWayOnBadData_LeavesNoHalfLoadedDataset()
    {
        await using ReplicatedCacheNode master1 = await Nodes.StartPrimaryAsync();
        for (int i = 0; i < 1_000; i++)
        {
            master1.Cache.SetString($"m1:{i}", $"v{i}");
        }

        await using ReplicatedCacheNode replica = await Nodes.StartSecondaryAsync(master1.Address, o => o.MaxValueBytes = 64 * 1024);
        await Nodes.WaitInSyncAsync(master1, replica);
        string digest1 = master1.Cache.GetDigest();

        // Master2's snapshot holds a few values the replica refuses, among many it accepts.
        await using ReplicatedCacheNode master2 = await Nodes.StartPrimaryAsync();
        for (int i = 0; i < 50_000; i++)
        {
            master2.Cache.Set($"m2:{i}", i % 10_000 == 5_000 ? new byte[128 * 1024] : new byte[64], new DistributedCacheEntryOptions());
        }

        long before = Replicas.FullSyncs(master2);
        await replica.Replication.ReplicaOfAsync(master2.Address);
        await Poll.UntilAsync(
            () => Replicas.FullSyncs(master2) >= before + 2 && replica.Replication.GetInfo().LinkDownReason?.Contains("MaxValueBytes", StringComparison.Ordinal) == true,
            "the replica to refuse master2's snapshot twice");

        // Reads never see a staged load: whatever the current attempt has loaded, the old dataset is what is served.
        Assert.Equal(digest1, replica.Cache.GetDigest());
        Assert.Equal(1_000, replica.Cache.Count);
        Assert.Empty(replica.Cache.GetKeys("m2:*"));
        Assert.Equal(master1.Replication.GetInfo().ReplicationId, replica.Replication.GetInfo().ReplicationId);
    }
}
