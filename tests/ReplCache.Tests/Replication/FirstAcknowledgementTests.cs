using System.Diagnostics;
using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Replication;

/// <summary>
/// A secondary acknowledges the moment its full sync completes, as a Redis replica sends its first REPLCONF ACK
/// right after loading the RDB — not at its next heartbeat — so WAIT, min-replicas-to-write and the replica's
/// offset in INFO see it at once even when the primary writes nothing more.
/// </summary>
public class FirstAcknowledgementTests
{
    /// <summary>Long enough that an acknowledgement sent at the next heartbeat cannot pass for one sent on completion.</summary>
    private static void SlowHeartbeat(ReplicatedCacheOptions o)
    {
        o.HeartbeatInterval = TimeSpan.FromSeconds(30);
        o.ReplicationTimeout = TimeSpan.FromSeconds(90);
    }

    [Fact]
    public async Task FullSyncFromAnIdlePrimary_IsAcknowledgedAtOnce_SoWaitReturnsAtOnce()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync(SlowHeartbeat);
        for (int i = 0; i < 10; i++)
        {
            primary.Cache.SetString($"k{i}", $"v{i}");
        }

        await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(primary.Address, SlowHeartbeat);
        await Poll.UntilAsync(() => secondary.Replication.GetInfo().LinkStatus == PrimaryLinkStatus.Up, "the full sync to complete");

        var clock = Stopwatch.StartNew();
        Assert.Equal(1, await primary.Replication.WaitForReplicasAsync(1, TimeSpan.FromSeconds(10)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"WAIT took {clock.Elapsed.TotalSeconds:F1} s");
        ReplicationInfo info = primary.Replication.GetInfo();
        Assert.Equal(info.Offset, info.Replicas.Single().AckedOffset);
    }

    [Fact]
    public async Task FullSyncFromAnIdlePrimary_CountsAsAGoodReplicaAtOnce_ForMinReplicasToWrite()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync(o =>
        {
            SlowHeartbeat(o);
            o.MinReplicasToWrite = 1;
        });
        Assert.Throws<NotEnoughReplicasException>(() => primary.Cache.SetString("k", "v"));

        await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(primary.Address, SlowHeartbeat);
        await Poll.UntilAsync(() => secondary.Replication.GetInfo().LinkStatus == PrimaryLinkStatus.Up, "the full sync to complete");
        await Poll.UntilAsync(
            () =>
            {
                try
                {
                    primary.Cache.SetString("k", "v");
                    return true;
                }
                catch (NotEnoughReplicasException)
                {
                    return false;
                }
            },
            "the primary to accept writes with its one good replica",
            TimeSpan.FromSeconds(5));
        await Poll.UntilAsync(() => secondary.Cache.GetString("k") == "v", "the write to reach the secondary");
    }
}
