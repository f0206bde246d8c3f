using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Replication;

public class ReplicationSmokeTests
{
    [Fact]
    public async Task TwoSecondaries_FullSyncThenIncremental_DigestsMatch()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        for (int i = 0; i < 1000; i++)
        {
            primary.Cache.SetString($"k{i}", $"v{i}");
        }

        await using ReplicatedCacheNode a = await Nodes.StartSecondaryAsync(primary.Address);
        await using ReplicatedCacheNode b = await Nodes.StartSecondaryAsync(primary.Address);
        await Nodes.WaitInSyncAsync(primary, a, b);
        Assert.Equal(primary.Cache.GetDigest(), a.Cache.GetDigest());
        Assert.Equal(primary.Cache.GetDigest(), b.Cache.GetDigest());

        for (int i = 0; i < 500; i++)
        {
            primary.Cache.SetString($"n{i}", $"w{i}");
            primary.Cache.Remove($"k{i}");
        }

        Assert.Equal(2, await primary.Replication.WaitForReplicasAsync(2, TimeSpan.FromSeconds(10)));
        Assert.Equal(primary.Cache.GetDigest(), a.Cache.GetDigest());
        Assert.Equal(primary.Cache.GetDigest(), b.Cache.GetDigest());
        Assert.Throws<ReadOnlyReplicaException>(() => a.Cache.SetString("x", "y"));
        ReplicationInfo info = primary.Replication.GetInfo();
        Assert.Equal(2, info.Replicas.Count);
        Assert.Equal(2, info.FullSyncs);
        Assert.Contains("role:slave", a.Replication.GetInfo().ToInfoString());
    }
}
