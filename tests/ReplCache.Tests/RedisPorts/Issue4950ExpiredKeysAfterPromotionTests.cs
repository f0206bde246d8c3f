using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Time.Testing;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.RedisPorts;

/// <summary>
/// Redis PR #4950, #2015 (and PR #296): snapshots for SYNC dropped expired keys, or replicas expired keys while
/// loading, so a replica promoted later never emitted removals for keys that other replicas still held, and those
/// kept them for good. Here a new replica R1 full-syncs keys that are about to expire, R2 follows R1, the primary
/// goes away and R1 is promoted: once the deadlines pass, R1 removes the keys and R2 with it.
/// </summary>
public sealed class Issue4950ExpiredKeysAfterPromotionTests
{
    [Fact]
    public async Task Issue4950_KeysExpiringAfterAPromotion_AreRemovedOnTheReplicasOfThePromotedNode()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var random = new Random(4950);
        ReplicatedCacheNode master = await Nodes.StartPrimaryAsync(o => o.TimeProvider = clock);
        for (int i = 0; i < 10_000; i++)
        {
            master.Cache.SetString($"k{i}", "v", new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMilliseconds(random.Next(1_000, 3_000)) });
        }

        master.Cache.SetString("kept", "v");
        await using ReplicatedCacheNode r1 = await Nodes.StartSecondaryAsync(master.Address, o => o.TimeProvider = clock);
        await Nodes.WaitInSyncAsync(master, r1);
        await using ReplicatedCacheNode r2 = await Nodes.StartSecondaryAsync(r1.Address, o => o.TimeProvider = clock);
        await Nodes.WaitInSyncAsync(master, r1, r2);
        Assert.Equal(10_001, r2.Core.Store.PhysicalCount);

        await master.DisposeAsync();
        await r1.Replication.PromoteToPrimaryAsync();
        clock.Advance(TimeSpan.FromSeconds(5));

        await Poll.UntilAsync(() => r1.Core.Store.PhysicalCount == 1, "the promoted node to remove the expired keys", TimeSpan.FromSeconds(60));
        await Nodes.WaitInSyncAsync(r1, r2);
        Assert.Equal(1, r2.Core.Store.PhysicalCount);
        Assert.Equal(r1.Cache.GetDigest(), r2.Cache.GetDigest());
    }
}
