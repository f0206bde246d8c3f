using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;
using ReplCache.Tests.Resp;
using static ReplCache.Tests.RedisPorts.Replicas;

namespace ReplCache.Tests.RedisPorts;

/// <summary>
/// Redis #4268: switching the master role back and forth between two nodes always forced a full sync. Here two
/// nodes (and a third following whichever is primary) switch over and back, with writes before every switch, both
/// as Sentinel does it (REPLICAOF NO ONE on the replica, then REPLICAOF on the old master) and with a coordinated
/// FAILOVER: every switch is a partial resync, and every write made before it reaches all three nodes.
/// </summary>
public sealed class Issue4268SwitchoverTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Issue4268_SwitchoverBackAndForth_NeverForcesAFullSync(bool coordinated)
    {
        await using ReplicatedCacheNode first = await RespNodes.StartPrimaryAsync();
        await using ReplicatedCacheNode second = await RespNodes.StartSecondaryAsync(first.Address);
        await using ReplicatedCacheNode third = await RespNodes.StartSecondaryAsync(first.Address);
        ReplicatedCacheNode[] all = [first, second, third];
        await Nodes.WaitInSyncAsync(first, second, third);

        ReplicatedCacheNode primary = first, other = second;
        for (int switchover = 1; switchover <= 6; switchover++)
        {
            for (int i = 0; i < 200; i++)
            {
                primary.Cache.SetString($"s{switchover}:{i}", $"{i}");
            }

            await WaitConsistentAsync(primary, all);
            if (coordinated)
            {
                await using RespTestClient client = await RespTestClient.ConnectAsync(primary);
                Assert.Equal("OK", await client.CallAsync("FAILOVER", "TO", "127.0.0.1", other.RespEndPoint!.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                ReplicatedCacheNode stepping = primary;
                await Poll.UntilAsync(() => stepping.Replication.GetInfo() is { FailoverState: FailoverState.None, Role: ReplicationRole.Secondary }, "the failover to complete");
            }
            else
            {
                await other.Replication.PromoteToPrimaryAsync();
                await primary.Replication.ReplicaOfAsync(other.Address);
            }

            await third.Replication.ReplicaOfAsync(other.Address);
            (primary, other) = (other, primary);
            await WaitConsistentAsync(primary, all);
            Assert.All(all, n => Assert.Equal($"{199}", n.Cache.GetString($"s{switchover}:199")));
            Assert.True(all.Sum(FullSyncs) == 2, $"switchover {switchover}: {Describe(all)}");
        }

        Assert.All(all, n => Assert.Equal(primary.Cache.GetDigest(), n.Cache.GetDigest()));
    }
}
