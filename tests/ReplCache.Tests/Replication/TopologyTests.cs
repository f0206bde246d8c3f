using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Replication;

/// <summary>REPLICAOF at run time, promotion with PSYNC2 continuity, chains and loop refusal.</summary>
public class TopologyTests
{
    [Fact]
    public async Task Chain_MiddleNodeIsBothSecondaryAndPrimary_WithTheTopPrimarysOffsets()
    {
        await using ReplicatedCacheNode a = await Nodes.StartPrimaryAsync();
        await using ReplicatedCacheNode b = await Nodes.StartSecondaryAsync(a.Address);
        await Nodes.WaitInSyncAsync(a, b);
        await using ReplicatedCacheNode c = await Nodes.StartSecondaryAsync(b.Address);
        for (int i = 0; i < 500; i++)
        {
            a.Cache.SetString($"k{i}", $"v{i}");
        }

        await Nodes.WaitInSyncAsync(a, b);
        await Poll.UntilAsync(() => c.Replication.GetInfo().Offset == a.Replication.GetInfo().Offset, "the sub-replica to catch up");
        ReplicationInfo middle = b.Replication.GetInfo();
        Assert.Equal(ReplicationRole.Secondary, middle.Role);
        Assert.Single(middle.Replicas);
        Assert.Equal(c.Replication.GetInfo().NodeId, middle.Replicas[0].NodeId);
        Assert.Equal(a.Replication.GetInfo().ReplicationId, c.Replication.GetInfo().ReplicationId);
        Assert.Equal(a.Cache.GetDigest(), c.Cache.GetDigest());
        Assert.Contains("connected_slaves:1", middle.ToInfoString());
        Assert.Contains("role:slave", middle.ToInfoString());
    }

    [Fact]
    public async Task Promotion_ShiftsTheReplicationId_AndSiblingsContinuePartially()
    {
        await using ReplicatedCacheNode a = await Nodes.StartPrimaryAsync();
        await using ReplicatedCacheNode b = await Nodes.StartSecondaryAsync(a.Address);
        await using ReplicatedCacheNode c = await Nodes.StartSecondaryAsync(a.Address);
        for (int i = 0; i < 300; i++)
        {
            a.Cache.SetString($"k{i}", $"v{i}");
        }

        await Nodes.WaitInSyncAsync(a, b, c);
        ReplicationInfo before = b.Replication.GetInfo();
        await a.DisposeAsync(); // the primary goes down

        await Poll.UntilAsync(() => b.Replication.GetInfo().LinkStatus == PrimaryLinkStatus.Down, "the link to go down");
        await b.Replication.PromoteToPrimaryAsync();
        ReplicationInfo promoted = b.Replication.GetInfo();
        Assert.Equal(ReplicationRole.Primary, promoted.Role);
        Assert.NotEqual(before.ReplicationId, promoted.ReplicationId);
        Assert.Equal(before.ReplicationId, promoted.ReplicationId2);
        Assert.Equal(before.Offset + 1, promoted.SecondOffset);
        b.Cache.SetString("after-promotion", "yes"); // accepts writes at once

        await c.Replication.ReplicaOfAsync(b.Address);
        await Nodes.WaitInSyncAsync(b, c);
        Assert.Equal("yes", c.Cache.GetString("after-promotion"));
        Assert.Equal(b.Cache.GetDigest(), c.Cache.GetDigest());
        ReplicationInfo info = b.Replication.GetInfo();
        Assert.Equal(0, info.FullSyncs);
        Assert.Equal(1, info.PartialSyncsAccepted);
        Assert.Equal(promoted.ReplicationId, c.Replication.GetInfo().ReplicationId);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PromoteThenDemote_OldPrimaryResyncsPartially_UnlessItTookWrites(bool oldPrimaryWrites)
    {
        await using ReplicatedCacheNode a = await Nodes.StartPrimaryAsync();
        await using ReplicatedCacheNode b = await Nodes.StartSecondaryAsync(a.Address);
        for (int i = 0; i < 200; i++)
        {
            a.Cache.SetString($"k{i}", $"v{i}");
        }

        await Nodes.WaitInSyncAsync(a, b);
        await b.Replication.PromoteToPrimaryAsync();
        b.Cache.SetString("on-b", "1");
        if (oldPrimaryWrites)
        {
            a.Cache.SetString("on-a", "diverged"); // a's history now forks from b's
        }

        await a.Replication.ReplicaOfAsync(b.Address);
        await Nodes.WaitInSyncAsync(b, a);
        Assert.Equal(b.Cache.GetDigest(), a.Cache.GetDigest());
        Assert.Null(a.Cache.GetString("on-a"));
        Assert.Equal("1", a.Cache.GetString("on-b"));
        ReplicationInfo info = b.Replication.GetInfo();
        Assert.Equal(oldPrimaryWrites ? 1 : 0, info.FullSyncs);
        Assert.Equal(oldPrimaryWrites ? 0 : 1, info.PartialSyncsAccepted);
    }

    [Fact]
    public async Task ReplicaOfTheCurrentPrimary_IsANoOp()
    {
        await using ReplicatedCacheNode a = await Nodes.StartPrimaryAsync();
        await using ReplicatedCacheNode b = await Nodes.StartSecondaryAsync(a.Address);
        await Nodes.WaitInSyncAsync(a, b);
        await b.Replication.ReplicaOfAsync(a.Address);
        await Nodes.WaitInSyncAsync(a, b);
        Assert.Equal(1, a.Replication.GetInfo().FullSyncs + a.Replication.GetInfo().PartialSyncsAccepted);
    }

    [Fact]
    public async Task Loops_AreRefused_WithoutChangingState()
    {
        await using ReplicatedCacheNode a = await Nodes.StartPrimaryAsync();
        await using ReplicatedCacheNode b = await Nodes.StartSecondaryAsync(a.Address);
        await Nodes.WaitInSyncAsync(a, b);
        await using ReplicatedCacheNode c = await Nodes.StartSecondaryAsync(b.Address);
        await Poll.UntilAsync(() => c.Replication.GetInfo().LinkStatus == PrimaryLinkStatus.Up, "the chain a -> b -> c");
        await Poll.UntilAsync(() => c.Replication.GetInfo().Offset == a.Replication.GetInfo().Offset, "the chain to settle");

        // Self.
        var self = await Assert.ThrowsAsync<InvalidOperationException>(() => a.Replication.ReplicaOfAsync(a.Address));
        Assert.Contains("itself", self.Message);

        // Two nodes: a would follow its own secondary b.
        var two = await Assert.ThrowsAsync<InvalidOperationException>(() => a.Replication.ReplicaOfAsync(b.Address));
        Assert.Contains("loop", two.Message);
        Assert.Contains(a.Replication.GetInfo().NodeId, two.Message);

        // Three nodes: a would follow c, which follows b, which follows a.
        var three = await Assert.ThrowsAsync<InvalidOperationException>(() => a.Replication.ReplicaOfAsync(c.Address));
        Assert.Contains("loop", three.Message);
        Assert.Contains(b.Replication.GetInfo().NodeId, three.Message);

        // Nothing changed.
        Assert.Equal(ReplicationRole.Primary, a.Replication.GetInfo().Role);
        Assert.Single(a.Replication.GetInfo().Replicas);
        a.Cache.SetString("still", "primary");
        await Poll.UntilAsync(() => c.Cache.GetString("still") == "primary", "a write to flow down the unchanged chain");
    }

    /// <summary>
    /// Found by the fault runner: Sentinel pointed a node at the frozen old primary (SIGSTOP: its kernel still accepts
    /// connections, nothing answers), and REPLICAOF's loop check waited 5 s for it to say who it is. Sentinel closed
    /// the silent link, and the REPLICAOF toward the new primary it had queued behind was lost.
    /// </summary>
    [Fact]
    public async Task ReplicaOf_ATargetThatAcceptsButNeverAnswers_AnswersWithinTheLoopChecksBudget()
    {
        using var frozen = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        frozen.Start(); // listening, never accepting: connections complete in the kernel's backlog, as to a stopped process
        var target = new Uri($"http://127.0.0.1:{((System.Net.IPEndPoint)frozen.LocalEndpoint).Port}/");
        await using ReplicatedCacheNode a = await Nodes.StartPrimaryAsync();

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await a.Replication.ReplicaOfAsync(target);
        clock.Stop();

        // Sentinel closes a link silent for half its down-after; the fault runner's is 2 s, the old wait was 5 s.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"REPLICAOF took {clock.Elapsed.TotalMilliseconds:F0} ms");
        Assert.Equal(ReplicationRole.Secondary, a.Replication.GetInfo().Role);
        Assert.NotEqual(PrimaryLinkStatus.Up, a.Replication.GetInfo().LinkStatus);
    }
}
