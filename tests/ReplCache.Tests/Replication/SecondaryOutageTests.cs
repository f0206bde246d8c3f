using System.Diagnostics;
using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Replication;

/// <summary>A secondary that stops answering: its primary drops it within ReplicationTimeout, and no one else notices.</summary>
public class SecondaryOutageTests
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1.5);

    private static void Fast(ReplicatedCacheOptions o)
    {
        o.HeartbeatInterval = Heartbeat;
        o.ReplicationTimeout = Timeout;
    }

    [Fact]
    public async Task StalledSecondary_IsDroppedWithinReplicationTimeout_OthersUnaffected_ThenContinuesPartially()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync(Fast);
        await using var proxy = new TcpFaultProxy(primary.Address);
        await using ReplicatedCacheNode stalled = await Nodes.StartSecondaryAsync(proxy.Address, Fast);
        await using ReplicatedCacheNode other = await Nodes.StartSecondaryAsync(primary.Address, Fast);
        primary.Cache.SetString("k", "v");
        await Nodes.WaitInSyncAsync(primary, stalled, other);
        await Poll.UntilAsync(() => primary.Replication.GetInfo().Replicas.Count == 2, "the primary to list both");
        string stalledId = stalled.Replication.GetInfo().NodeId;
        ReplicationInfo before = primary.Replication.GetInfo();

        proxy.Stall(bothWays: true); // the stalled secondary neither receives nor acknowledges any more
        var clock = Stopwatch.StartNew();
        int written = 0;
        bool otherStayedUp = true;
        await Poll.UntilAsync(
            () =>
            {
                primary.Cache.SetString($"during{written++}", "x"); // the primary keeps writing meanwhile
                otherStayedUp &= other.Replication.GetInfo().LinkStatus == PrimaryLinkStatus.Up;
                return primary.Replication.GetInfo().Replicas.All(r => r.NodeId != stalledId);
            },
            "the primary to drop the stalled secondary",
            TimeSpan.FromSeconds(15));
        TimeSpan droppedAfter = clock.Elapsed;

        // Its last acknowledgement came at most one heartbeat before the stall, and the primary checks every heartbeat.
        Assert.True(droppedAfter >= Timeout - Heartbeat, $"dropped after {droppedAfter.TotalSeconds:F2} s, before ReplicationTimeout");
        Assert.True(droppedAfter <= Timeout + Heartbeat + TimeSpan.FromSeconds(1.5), $"dropped after {droppedAfter.TotalSeconds:F2} s, well past ReplicationTimeout");

        // The other secondary never lost its link, has every write, and was never resynced.
        await Nodes.WaitInSyncAsync(primary, other);
        Assert.True(otherStayedUp);
        Assert.Equal(primary.Cache.GetDigest(), other.Cache.GetDigest());
        Assert.Equal(1, await primary.Replication.WaitForReplicasAsync(1, TimeSpan.FromSeconds(10)));
        ReplicationInfo during = primary.Replication.GetInfo();
        Assert.Equal([other.Replication.GetInfo().NodeId], during.Replicas.Select(r => r.NodeId));
        Assert.Equal(before.FullSyncs, during.FullSyncs);
        Assert.Equal(before.PartialSyncsAccepted, during.PartialSyncsAccepted);

        // The stalled one kept its data and comes back by itself with a partial resync.
        Assert.Equal("v", stalled.Cache.GetString("k"));
        proxy.Resume();
        await Nodes.WaitInSyncAsync(primary, stalled);
        Assert.Equal(primary.Cache.GetDigest(), stalled.Cache.GetDigest());
        Assert.Equal(before.FullSyncs, primary.Replication.GetInfo().FullSyncs);
        Assert.True(primary.Replication.GetInfo().PartialSyncsAccepted > before.PartialSyncsAccepted);
    }
}
