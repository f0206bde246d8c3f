using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Persistence;

/// <summary>A primary that restarts without its data must not make its secondaries wipe themselves.</summary>
public class EmptyPrimaryGuardTests
{
    [Fact]
    public async Task PrimaryRestartedEmpty_SecondaryKeepsItsData_UntilToldToAccept()
    {
        ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        Uri address = primary.Address;
        await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(address);
        for (int i = 0; i < 100; i++)
        {
            primary.Cache.SetString($"k{i}", $"v{i}");
        }

        await Nodes.WaitInSyncAsync(primary, secondary);
        await primary.StopAsync(); // no SnapshotPath: it comes back empty, with a new history

        await using ReplicatedCacheNode empty = await Nodes.StartPrimaryAsync(o => o.Listen = address.ToString());
        await Poll.UntilAsync(() => secondary.Replication.GetInfo().LinkDownReason?.Contains("empty dataset") == true, "the guard to hold the secondary back");
        Assert.Equal(100, secondary.Cache.Count);
        Assert.Equal("v5", secondary.Cache.GetString("k5"));
        Assert.Equal(PrimaryLinkStatus.Down, secondary.Replication.GetInfo().LinkStatus);

        await secondary.Replication.ReplicaOfAsync(address); // the operator accepts the empty dataset
        await Nodes.WaitInSyncAsync(empty, secondary);
        Assert.Equal(0, secondary.Cache.Count);
        Assert.Equal(empty.Cache.GetDigest(), secondary.Cache.GetDigest());
    }

    [Fact]
    public async Task AcceptEmptyPrimary_FollowsAtOnce_AsRedisDoes()
    {
        ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        Uri address = primary.Address;
        await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(address, o => o.AcceptEmptyPrimary = true);
        primary.Cache.SetString("k", "v");
        await Nodes.WaitInSyncAsync(primary, secondary);
        await primary.StopAsync();

        await using ReplicatedCacheNode empty = await Nodes.StartPrimaryAsync(o => o.Listen = address.ToString());
        await Nodes.WaitInSyncAsync(empty, secondary);
        Assert.Equal(0, secondary.Cache.Count);
    }

    [Fact]
    public async Task PrimaryRestartedEmpty_ButWithItsHistory_IsFollowed()
    {
        // An empty primary that continues our history (it was emptied by writes, not by a restart) is not the trap.
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(primary.Address);
        primary.Cache.SetString("k", "v");
        await Nodes.WaitInSyncAsync(primary, secondary);
        primary.Cache.Remove("k");
        await Nodes.WaitInSyncAsync(primary, secondary);
        Assert.Equal(0, secondary.Cache.Count);
    }
}
