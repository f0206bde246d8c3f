using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;
using ReplCache.Tests.Resp;

namespace ReplCache.Tests.Sentinel;

/// <summary>
/// A primary the Sentinels have replaced refuses writes as soon as their hello says so (StalePrimaryFence), instead
/// of taking writes for the 8 s Sentinel waits before converting it — writes the fault runner counted as lost after
/// partitions, freezes and SENTINEL FAILOVER. The hellos here are the exact text Sentinel publishes.
/// </summary>
public sealed class StalePrimaryFenceTests
{
    private static string Hello(System.Net.IPEndPoint master, long epoch, string host = "127.0.0.1") =>
        $"127.0.0.1,26390,2958c239c1a3e5b1d0e3ed2f8b8c6d5a4e3f2a1b,{epoch},mymaster,{host},{master.Port},{epoch}";

    [Fact]
    public async Task AHelloNamingAnotherPrimary_FencesWrites_UntilAHelloNamesThisNodeAgain()
    {
        await using ReplicatedCacheNode stale = await RespNodes.StartPrimaryAsync();
        await using ReplicatedCacheNode promoted = await RespNodes.StartPrimaryAsync();
        await using RespTestClient sentinel = await RespTestClient.ConnectAsync(stale);
        await using RespTestClient client = await RespTestClient.ConnectAsync(stale);
        Assert.Equal("OK", await client.CallAsync("SET", "before", "1"));

        await sentinel.CallAsync("PUBLISH", "__sentinel__:hello", Hello(promoted.RespEndPoint!, epoch: 7));
        await Poll.UntilAsync(async () => await client.CallAsync("SET", "probe", "1") is RespError, "the stale primary to refuse writes");
        var refused = Assert.IsType<RespError>(await client.CallAsync("SET", "during", "1"));
        Assert.StartsWith("READONLY ", refused.Message);
        Assert.Contains($":{promoted.RespEndPoint!.Port} ", refused.Message);
        Assert.Contains("epoch 7", refused.Message);
        var thrown = Assert.Throws<ReadOnlyReplicaException>(() => stale.Cache.SetString("during", "1"));
        Assert.StartsWith("READONLY ", thrown.Message);
        Assert.Null(stale.Cache.GetString("during"));
        Assert.Equal("1", await client.CallAsync("GET", "before")); // reads go on
        Assert.Equal(ReplicationRole.Primary, stale.Replication.GetInfo().Role); // only Sentinel's REPLICAOF changes the role

        // An older epoch naming this node is a Sentinel that missed the failover: the fence stays.
        await sentinel.CallAsync("PUBLISH", "__sentinel__:hello", Hello(stale.RespEndPoint!, epoch: 6));
        await sentinel.CallAsync("PUBLISH", "__sentinel__:hello", Hello(stale.RespEndPoint!, epoch: 6));
        await Task.Delay(TimeSpan.FromSeconds(2)); // the self-check by INFO has had its time
        Assert.IsType<RespError>(await client.CallAsync("SET", "during", "1"));

        // The Sentinels name this node again, at a newer epoch (they failed back to it).
        await Poll.UntilAsync(async () =>
        {
            await sentinel.CallAsync("PUBLISH", "__sentinel__:hello", Hello(stale.RespEndPoint!, epoch: 8));
            return await client.CallAsync("SET", "after", "1") is "OK";
        }, "the fence to lift");
        stale.Cache.SetString("after", "2");
    }

    [Fact]
    public async Task AHelloNamingAReplica_OrThisNodeByAnotherAddress_FencesNothing()
    {
        await using ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync();
        await using ReplicatedCacheNode replica = await RespNodes.StartSecondaryAsync(primary.Address);
        await Nodes.WaitInSyncAsync(primary, replica);
        await using RespTestClient sentinel = await RespTestClient.ConnectAsync(primary);
        await using RespTestClient client = await RespTestClient.ConnectAsync(primary);

        // A Sentinel behind on the layout names a node that is a replica; another names this node as "localhost".
        await sentinel.CallAsync("PUBLISH", "__sentinel__:hello", Hello(replica.RespEndPoint!, epoch: 3));
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // one check at a time: the first concludes before the next starts
        await sentinel.CallAsync("PUBLISH", "__sentinel__:hello", Hello(primary.RespEndPoint!, epoch: 4, host: "localhost"));
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        Assert.Equal("OK", await client.CallAsync("SET", "k", "v"));
        primary.Cache.SetString("k2", "v2");
        await Nodes.WaitInSyncAsync(primary, replica);
        Assert.Equal("v2", replica.Cache.GetString("k2"));
    }

    [Fact]
    public async Task ReplicaOfNoOne_LiftsTheFence_AndANewPrimaryTermStartsUnfenced()
    {
        await using ReplicatedCacheNode stale = await RespNodes.StartPrimaryAsync();
        await using ReplicatedCacheNode promoted = await RespNodes.StartPrimaryAsync();
        await using RespTestClient sentinel = await RespTestClient.ConnectAsync(stale);
        await using RespTestClient client = await RespTestClient.ConnectAsync(stale);
        await sentinel.CallAsync("PUBLISH", "__sentinel__:hello", Hello(promoted.RespEndPoint!, epoch: 2));
        await Poll.UntilAsync(async () => await client.CallAsync("SET", "k", "1") is RespError, "the fence");

        Assert.Equal("OK", await client.CallAsync("REPLICAOF", "NO", "ONE"));
        Assert.Equal("OK", await client.CallAsync("SET", "k", "2"));

        // Fenced again, then Sentinel converts it and later promotes it: the new term starts unfenced.
        await sentinel.CallAsync("PUBLISH", "__sentinel__:hello", Hello(promoted.RespEndPoint!, epoch: 3));
        await Poll.UntilAsync(async () => await client.CallAsync("SET", "k", "3") is RespError, "the fence again");
        promoted.Cache.SetString("on-the-promoted", "1"); // not empty: a secondary holding data does not follow an empty primary
        await stale.Replication.ReplicaOfAsync(promoted.Address);
        await Nodes.WaitInSyncAsync(promoted, stale);
        await stale.Replication.PromoteToPrimaryAsync();
        stale.Cache.SetString("k", "4");
        Assert.Equal("4", stale.Cache.GetString("k"));
    }
}
