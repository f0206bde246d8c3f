using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Resp;

/// <summary>RESP writes replicate; secondaries refuse them as Redis replicas do; REPLICAOF, ROLE and WAIT drive topology.</summary>
public class RespReplicationTests
{
    [Fact]
    public async Task RespWrites_ReachTheSecondary_InTheSameState()
    {
        await using ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync();
        await using ReplicatedCacheNode secondary = await RespNodes.StartSecondaryAsync(primary.Address);
        await Nodes.WaitInSyncAsync(primary, secondary);
        await using RespTestClient client = await RespTestClient.ConnectAsync(primary);
        await client.CallAsync("SET", "plain", "1");
        await client.CallAsync("SET", "expiring", "2", "EX", "1000");
        await client.CallAsync("SET", "gone", "3");
        await client.CallAsync("DEL", "gone");
        await client.CallAsync("SET", "persisted", "4", "EX", "1000");
        await client.CallAsync("PERSIST", "persisted");
        await client.CallAsync("SET", "later", "5");
        await client.CallAsync("PEXPIRE", "later", "900000");
        Assert.Equal(1L, await client.CallAsync("WAIT", "1", "10000"));
        Assert.Equal(primary.Cache.GetDigest(), secondary.Cache.GetDigest());
        Assert.Null(secondary.Cache.GetString("gone"));

        await using RespTestClient reader = await RespTestClient.ConnectAsync(secondary);
        Assert.Equal("1", await reader.CallAsync("GET", "plain"));
        long ttl = Assert.IsType<long>(await reader.CallAsync("TTL", "later"));
        Assert.InRange(ttl, 890, 900);

        Assert.Equal("OK", await client.CallAsync("FLUSHALL"));
        Assert.Equal(1L, await client.CallAsync("WAIT", "1", "0"));
        Assert.Equal(0L, await reader.CallAsync("DBSIZE"));
    }

    [Fact]
    public async Task WritesOnASecondary_AreReadOnlyErrors_AsInRedis()
    {
        await using ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync();
        await using ReplicatedCacheNode secondary = await RespNodes.StartSecondaryAsync(primary.Address);
        await Nodes.WaitInSyncAsync(primary, secondary);
        await using RespTestClient client = await RespTestClient.ConnectAsync(secondary);
        var readOnly = new RespError("READONLY You can't write against a read only replica.");
        Assert.Equal(readOnly, await client.CallAsync("SET", "k", "v"));
        Assert.Equal(readOnly, await client.CallAsync("SET", "k", "v", "BOGUS")); // refused before its syntax is read, as Redis
        Assert.Equal(readOnly, await client.CallAsync("DEL", "k"));
        Assert.Equal(readOnly, await client.CallAsync("EXPIRE", "k", "10"));
        Assert.Equal(readOnly, await client.CallAsync("FLUSHALL"));
        Assert.StartsWith("ERR WAIT cannot be used with replica instances", Assert.IsType<RespError>(await client.CallAsync("WAIT", "1", "0")).Message);
        Assert.Equal("PONG", await client.CallAsync("PING"));
    }

    [Fact]
    public async Task NotEnoughReplicas_IsNoReplicas_AndStaleReadsAreMasterDown()
    {
        await using ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync(o => o.MinReplicasToWrite = 1);
        await using RespTestClient client = await RespTestClient.ConnectAsync(primary);
        Assert.Equal(new RespError("NOREPLICAS Not enough good replicas to write."), await client.CallAsync("SET", "k", "v"));

        await using ReplicatedCacheNode orphan = await RespNodes.StartSecondaryAsync(new Uri("http://127.0.0.1:1"), o => o.ServeStaleData = false);
        await using RespTestClient stale = await RespTestClient.ConnectAsync(orphan);
        Assert.Equal(new RespError("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."), await stale.CallAsync("GET", "k"));
        Assert.Equal("PONG", await stale.CallAsync("PING"));
    }

    [Fact]
    public async Task ReplicaOf_Role_AndNoOne_DriveTheTopology()
    {
        await using ReplicatedCacheNode a = await RespNodes.StartPrimaryAsync();
        await using ReplicatedCacheNode b = await RespNodes.StartPrimaryAsync();
        a.Cache.SetString("from-a", "1");
        await using RespTestClient clientA = await RespTestClient.ConnectAsync(a);
        await using RespTestClient clientB = await RespTestClient.ConnectAsync(b);
        object?[] role = Assert.IsType<object?[]>(await clientA.CallAsync("ROLE"));
        Assert.Equal("master", role[0]);
        Assert.Empty(Assert.IsType<object?[]>(role[2]));

        int portA = a.RespEndPoint!.Port;
        Assert.Equal("OK", await clientB.CallAsync("REPLICAOF", "127.0.0.1", portA.ToString()));
        await Nodes.WaitInSyncAsync(a, b);
        Assert.Equal("1", await clientB.CallAsync("GET", "from-a"));
        Assert.Equal("OK Already connected to specified master", await clientB.CallAsync("SLAVEOF", "127.0.0.1", portA.ToString()));

        object?[] replica = Assert.IsType<object?[]>(await clientB.CallAsync("ROLE"));
        Assert.Equal("slave", replica[0]);
        Assert.Equal("127.0.0.1", replica[1]);
        Assert.Equal((long)portA, replica[2]);
        Assert.Equal("connected", replica[3]);
        Assert.Equal(a.Replication.GetInfo().Offset, replica[4]);

        object?[] master = Assert.IsType<object?[]>(await clientA.CallAsync("ROLE"));
        object?[] replicas = Assert.IsType<object?[]>(master[2]);
        object?[] entry = Assert.IsType<object?[]>(Assert.Single(replicas));
        Assert.Equal(b.Address.Port.ToString(), entry[1]);
        Assert.IsType<string>(entry[2]);

        // A loop is refused with the reason, as a REPLICAOF error.
        var loop = Assert.IsType<RespError>(await clientA.CallAsync("REPLICAOF", "127.0.0.1", b.RespEndPoint!.Port.ToString()));
        Assert.StartsWith("ERR REPLICAOF refused", loop.Message);
        Assert.Equal(new RespError("ERR Invalid master port"), await clientA.CallAsync("REPLICAOF", "127.0.0.1", "99999"));

        Assert.Equal("OK", await clientB.CallAsync("REPLICAOF", "NO", "ONE"));
        Assert.Equal("master", Assert.IsType<object?[]>(await clientB.CallAsync("ROLE"))[0]);
        Assert.Equal("OK", await clientB.CallAsync("SET", "now-writable", "yes"));
    }

    [Fact]
    public async Task WaitWithTimeoutZero_EndsWhenTheClientDisconnects()
    {
        await using ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync();
        RespTestClient waiter = await RespTestClient.ConnectAsync(primary);
        await waiter.CallAsync("SET", "k", "v");
        await waiter.SendAsync(RespTestClient.Encode("WAIT", "1", "0"));
        await Poll.UntilAsync(() => primary.Resp!.BlockedClients == 1, "the WAIT to block");
        await waiter.DisposeAsync();
        await Poll.UntilAsync(() => primary.Resp!.BlockedClients == 0 && primary.Resp.ConnectedClients == 0, "the WAIT to end with its client");
    }
}
