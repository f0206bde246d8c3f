using System.Diagnostics;
using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Replication;

/// <summary>
/// A secondary acknowledges once per heartbeat and when the primary asks (Redis's REPLCONF ACK and GETACK), not for
/// every batch it applies; whatever waits for acknowledgements on the primary (WAIT, FAILOVER) asks, after the
/// stream it wants acknowledged, and is answered as soon as the secondary has applied it.
/// </summary>
public class AcknowledgementRequestTests
{
    /// <summary>Long enough that an acknowledgement sent at the next heartbeat cannot pass for one sent on request.</summary>
    private static Action<ReplicatedCacheOptions> SlowHeartbeat(bool threadPoolIndependentLinks) => o =>
    {
        o.HeartbeatInterval = TimeSpan.FromSeconds(30);
        o.ReplicationTimeout = TimeSpan.FromSeconds(90);
        o.ThreadPoolIndependentLinks = threadPoolIndependentLinks;
    };

    private static async Task<(ReplicatedCacheNode Primary, ReplicatedCacheNode Secondary)> StartInSyncAsync(Action<ReplicatedCacheOptions> configure)
    {
        ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync(configure);
        ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(primary.Address, configure);
        await Nodes.WaitInSyncAsync(primary, secondary);
        return (primary, secondary);
    }

    [Theory]
    [InlineData(true)] // Follow + Report calls over HTTP/1.1
    [InlineData(false)] // one Sync call over HTTP/2
    public async Task AppliedWrites_AreAcknowledgedWhenWaitAsks_NotBatchByBatch(bool threadPoolIndependentLinks)
    {
        (ReplicatedCacheNode primary, ReplicatedCacheNode secondary) = await StartInSyncAsync(SlowHeartbeat(threadPoolIndependentLinks));
        await using ReplicatedCacheNode disposePrimary = primary;
        await using ReplicatedCacheNode disposeSecondary = secondary;
        await Poll.UntilAsync(() => primary.Replication.GetInfo().Replicas.Single().AckedOffset == primary.Replication.GetInfo().Offset, "the acknowledgement of the completed sync");
        long linkedAt = primary.Replication.GetInfo().Offset;

        for (int i = 0; i < 100; i++)
        {
            primary.Cache.SetString($"k{i}", $"v{i}");
        }

        await Nodes.WaitInSyncAsync(primary, secondary);
        long end = primary.Replication.GetInfo().Offset;
        Assert.True(end > linkedAt);

        // Applied, and not acknowledged: the secondary has not been asked, and its next heartbeat is 30 s away.
        Assert.Equal(linkedAt, primary.Replication.GetInfo().Replicas.Single().AckedOffset);

        var clock = Stopwatch.StartNew();
        Assert.Equal(1, await primary.Replication.WaitForReplicasAsync(1, TimeSpan.FromSeconds(20)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"WAIT took {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(end, primary.Replication.GetInfo().Replicas.Single().AckedOffset);
    }

    [Fact]
    public async Task Wait_IssuedWhileTheStreamIsStillBehind_IsAnsweredOnceTheSecondaryAppliedItsWrites()
    {
        (ReplicatedCacheNode primary, ReplicatedCacheNode secondary) = await StartInSyncAsync(SlowHeartbeat(threadPoolIndependentLinks: true));
        await using ReplicatedCacheNode disposePrimary = primary;
        await using ReplicatedCacheNode disposeSecondary = secondary;

        // Large values, so that WAIT is asked while the sender is still streaming them: the request must go after
        // the last of them, or the answer would name an offset short of WAIT's.
        byte[] value = new byte[256 * 1024];
        for (int i = 0; i < 40; i++)
        {
            primary.Cache.Set($"big{i}", value, new DistributedCacheEntryOptions());
        }

        long end = primary.Replication.GetInfo().Offset;
        Assert.Equal(1, await primary.Replication.WaitForReplicasAsync(1, TimeSpan.FromSeconds(20)));
        Assert.True(primary.Replication.GetInfo().Replicas.Single().AckedOffset >= end);
        Assert.NotNull(secondary.Cache.Get("big39"));
    }

    [Fact]
    public async Task Failover_AsksItsTargetToAcknowledge_InsteadOfWaitingForItsHeartbeat()
    {
        (ReplicatedCacheNode primary, ReplicatedCacheNode secondary) = await StartInSyncAsync(SlowHeartbeat(threadPoolIndependentLinks: true));
        await using ReplicatedCacheNode disposePrimary = primary;
        await using ReplicatedCacheNode disposeSecondary = secondary;
        for (int i = 0; i < 100; i++)
        {
            primary.Cache.SetString($"k{i}", $"v{i}");
        }

        var clock = Stopwatch.StartNew();
        await primary.Replication.FailoverAsync(secondary.Address, timeout: TimeSpan.FromSeconds(20));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"FAILOVER took {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(ReplicationRole.Primary, secondary.Replication.GetInfo().Role);
        Assert.Equal("v99", secondary.Cache.GetString("k99"));
    }
}
