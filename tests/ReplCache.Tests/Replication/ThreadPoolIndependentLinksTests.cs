using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Forwarding;
using ReplCache.Tests.Infrastructure;
using ReplCache.Tests.Resp;

namespace ReplCache.Tests.Replication;

/// <summary>
/// <see cref="ReplicatedCacheOptions.ThreadPoolIndependentLinks"/>: the replication features over Follow and Report
/// (HTTP/1.1 on the owned-thread transport) as over Sync, and the fallback to Sync for a primary without it.
/// </summary>
public sealed class ThreadPoolIndependentLinksTests
{
    private static void Independent(ReplicatedCacheOptions o) => o.ThreadPoolIndependentLinks = true;

    private static void OverSync(ReplicatedCacheOptions o) => o.ThreadPoolIndependentLinks = false;


    [Fact]
    public async Task WritesAndRemovals_Replicate_AndWaitCountsTheAcknowledgements()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync(Independent);
        await using ReplicatedCacheNode a = await Nodes.StartSecondaryAsync(primary.Address, Independent);
        await using ReplicatedCacheNode b = await Nodes.StartSecondaryAsync(primary.Address, Independent);
        for (int i = 0; i < 2000; i++)
        {
            primary.Cache.SetString($"k{i}", $"v{i}");
            if (i % 4 == 0)
            {
                primary.Cache.Remove($"k{i}");
            }
        }

        // WAIT counts a replica only once its acknowledgement arrived: over Follow, in a Report call.
        Assert.Equal(2, await primary.Replication.WaitForReplicasAsync(2, TimeSpan.FromSeconds(20)));
        Assert.Equal(primary.Cache.GetDigest(), a.Cache.GetDigest());
        Assert.Equal(primary.Cache.GetDigest(), b.Cache.GetDigest());
        Assert.Equal(2, primary.Replication.GetInfo().FullSyncs);
    }

    [Fact]
    public async Task ForwardedWrites_LandOnThePrimary_AndAreReadBackOnTheWriter()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync(Independent);
        await using ReplicatedCacheNode writer = await ForwardingNodes.StartForwardingSecondaryAsync(primary.Address, Independent);
        await ForwardingNodes.WaitUpAsync(writer);
        await Task.WhenAll(Enumerable.Range(0, 500).Select(i => writer.Cache.SetStringAsync($"f{i}", $"v{i}")));
        Assert.Equal("v499", primary.Cache.GetString("f499"));
        Assert.Equal("v499", writer.Cache.GetString("f499")); // read-your-writes: applied here before the call returned
    }

    [Fact]
    public async Task RedisClients_AndLinks_ShareThePort()
    {
        await using ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync(Independent);
        await using ReplicatedCacheNode secondary = await RespNodes.StartSecondaryAsync(primary.Address, Independent);
        await using RespTestClient client = await RespTestClient.ConnectAsync(primary);
        Assert.Equal("OK", await client.CallAsync("SET", "k", "v"));
        Assert.Equal(1L, await client.CallAsync("WAIT", "1", "10000"));
        Assert.Equal("v", secondary.Cache.GetString("k"));
    }

    [Fact]
    public async Task APrimaryWithoutIt_IsFollowedOverSync()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync(OverSync); // HTTP/2 only, as an app's own endpoint
        await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(primary.Address, Independent);
        primary.Cache.SetString("k", "v");
        await Nodes.WaitInSyncAsync(primary, secondary);
        Assert.Equal("v", secondary.Cache.GetString("k"));
        Assert.Equal(1, await primary.Replication.WaitForReplicasAsync(1, TimeSpan.FromSeconds(10)));
    }

    /// <summary>With the option off on both ends (replcache-server's setting), everything runs over Sync on HTTP/2.</summary>
    [Fact]
    public async Task Off_OnBothEnds_WritesRemovalsWaitAndForwardedWrites_RunOverSync()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync(OverSync);
        await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(primary.Address, OverSync);
        await using ReplicatedCacheNode writer = await ForwardingNodes.StartForwardingSecondaryAsync(primary.Address, OverSync);
        await ForwardingNodes.WaitUpAsync(writer);
        for (int i = 0; i < 1000; i++)
        {
            primary.Cache.SetString($"k{i}", $"v{i}");
            if (i % 4 == 0)
            {
                primary.Cache.Remove($"k{i}");
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => writer.Cache.SetStringAsync($"f{i}", $"v{i}")));
        Assert.Equal(2, await primary.Replication.WaitForReplicasAsync(2, TimeSpan.FromSeconds(20)));
        Assert.Equal(primary.Cache.GetDigest(), secondary.Cache.GetDigest());
        Assert.Equal(primary.Cache.GetDigest(), writer.Cache.GetDigest());
        Assert.Equal("v199", writer.Cache.GetString("f199"));
    }
}
