using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;
using ReplCache.Tests.Resp;
using static ReplCache.Tests.RedisPorts.Replicas;

namespace ReplCache.Tests.RedisPorts;

/// <summary>
/// Redis #3836, "redis 4.0 psync2, commands lost": on master A, <c>MULTI; SLAVEOF 127.0.0.1 0; EXEC; SLAVEOF NO ONE;
/// SET a value</c>, and replica B never got <c>a</c>. antirez: "very important … the above sequence is used by
/// Sentinel". The replica must get the write, and by a partial resync.
/// </summary>
public sealed class Issue3836MultiSlaveofTests
{
    [Fact]
    public async Task Issue3836_MultiSlaveofThenSlaveofNoOne_OnAMaster_LosesNoLaterWrite()
    {
        await using ReplicatedCacheNode a = await RespNodes.StartPrimaryAsync();
        await using ReplicatedCacheNode b = await Nodes.StartSecondaryAsync(a.Address);
        a.Cache.SetString("before", "1");
        await Nodes.WaitInSyncAsync(a, b);
        await using RespTestClient client = await RespTestClient.ConnectAsync(a);

        Assert.Equal("OK", await client.CallAsync("MULTI"));
        Assert.Equal("QUEUED", await client.CallAsync("SLAVEOF", "127.0.0.1", "0"));
        Assert.Equal(new object?[] { "OK" }, await client.CallAsync("EXEC"));
        Assert.Equal("OK", await client.CallAsync("SLAVEOF", "NO", "ONE"));
        Assert.Equal("OK", await client.CallAsync("SET", "a", "value"));

        await Nodes.WaitInSyncAsync(a, b);
        Assert.Equal("value", b.Cache.GetString("a"));
        Assert.Equal(a.Cache.GetDigest(), b.Cache.GetDigest());
        Assert.Equal(a.Replication.GetInfo().ReplicationId, b.Replication.GetInfo().ReplicationId);
        Assert.True((FullSyncs(a), PartialSyncs(a)) == (1, 1), Describe([a, b]));
    }
}
