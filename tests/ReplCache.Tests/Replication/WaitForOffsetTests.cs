using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Replication;

/// <summary>IReplicationControl.WaitForOffsetAsync on real nodes: applied positions, lag, and positions of an earlier history.</summary>
public class WaitForOffsetTests
{
    [Fact]
    public async Task OnThePrimary_ItsOwnPositionAfterAWrite_IsApplied()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        primary.Cache.SetString("k", "v");
        ReplicationInfo info = primary.Replication.GetInfo();

        Assert.True(await primary.Replication.WaitForOffsetAsync(info.ReplicationId, info.Offset, TimeSpan.Zero));
        Assert.False(await primary.Replication.WaitForOffsetAsync(info.ReplicationId, info.Offset + 1, TimeSpan.Zero)); // not written yet
    }

    [Fact]
    public async Task OnASecondaryCutOffFromItsPrimary_FalseAtTheTimeout_TrueOnceReplicationResumes()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        await using var proxy = new TcpFaultProxy(primary.Address);
        await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(proxy.Address);
        await Nodes.WaitInSyncAsync(primary, secondary);

        proxy.Stall();
        primary.Cache.SetString("k", "v");
        ReplicationInfo written = primary.Replication.GetInfo();
        Assert.False(await secondary.Replication.WaitForOffsetAsync(written.ReplicationId, written.Offset, TimeSpan.FromMilliseconds(100)));

        Task<bool> waiting = secondary.Replication.WaitForOffsetAsync(written.ReplicationId, written.Offset, TimeSpan.FromSeconds(30));
        proxy.Resume();
        Assert.True(await waiting);
        Assert.Equal("v", secondary.Cache.GetString("k")); // applied means readable
    }

    [Fact]
    public async Task APositionOfTheHistoryBeforeAPromotion_CountsOnThePromotedNodeAndOnASiblingThatFollowsIt()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        await using ReplicatedCacheNode promoted = await Nodes.StartSecondaryAsync(primary.Address);
        await using ReplicatedCacheNode sibling = await Nodes.StartSecondaryAsync(primary.Address);
        primary.Cache.SetString("k", "before the promotion");
        ReplicationInfo before = primary.Replication.GetInfo();
        await Nodes.WaitInSyncAsync(primary, promoted, sibling);

        await promoted.Replication.PromoteToPrimaryAsync();
        ReplicationInfo after = promoted.Replication.GetInfo();
        Assert.NotEqual(before.ReplicationId, after.ReplicationId);
        Assert.Equal(before.ReplicationId, after.ReplicationId2);
        Assert.True(await promoted.Replication.WaitForOffsetAsync(before.ReplicationId, before.Offset, TimeSpan.Zero));

        await sibling.Replication.ReplicaOfAsync(promoted.Address);
        await Poll.UntilAsync(() => sibling.Replication.GetInfo().ReplicationId == after.ReplicationId, "the sibling to continue the promoted node's history");
        Assert.True(await sibling.Replication.WaitForOffsetAsync(before.ReplicationId, before.Offset, TimeSpan.Zero));
    }

    [Fact]
    public async Task APositionPastTheForkOfAnEarlierHistory_OrOfAnUnrelatedOne_IsNotApplied()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        await using ReplicatedCacheNode promoted = await Nodes.StartSecondaryAsync(primary.Address);
        primary.Cache.SetString("k", "v");
        await Nodes.WaitInSyncAsync(primary, promoted);
        await promoted.Replication.PromoteToPrimaryAsync();

        // The old primary goes on writing in its own history: those positions never happened on the promoted node.
        primary.Cache.SetString("k", "written after the fork");
        ReplicationInfo diverged = primary.Replication.GetInfo();
        Assert.False(await promoted.Replication.WaitForOffsetAsync(diverged.ReplicationId, diverged.Offset, TimeSpan.FromMilliseconds(50)));
        Assert.False(await promoted.Replication.WaitForOffsetAsync(new string('a', 40), 0, TimeSpan.Zero));
    }

    [Fact]
    public async Task ANegativeTimeoutOtherThanInfinite_IsRefused()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        ReplicationInfo info = primary.Replication.GetInfo();
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => primary.Replication.WaitForOffsetAsync(info.ReplicationId, 0, TimeSpan.FromSeconds(-2)));
        Assert.True(await primary.Replication.WaitForOffsetAsync(info.ReplicationId, info.Offset, Timeout.InfiniteTimeSpan));
    }
}
