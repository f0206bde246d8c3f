using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;
using ReplCache.Tests.Resp;

namespace ReplCache.Tests.RedisPorts;

/// <summary>
/// Redis #2473 (replication.tcl, "BLPOP followed by role change, issue #2473"): a client blocked on a master that
/// becomes a replica must not stay blocked; Redis unblocks it with <c>-UNBLOCKED</c> and closes it after the reply
/// (disconnectAllBlockedClients). ReplCache's one blocking command is WAIT, whose secondaries a demoted node no
/// longer has.
/// </summary>
public sealed class Issue2473BlockedClientRoleChangeTests
{
    [Fact]
    public async Task Issue2473_WaitFollowedByRoleChange_IsUnblockedWithAnError()
    {
        await using ReplicatedCacheNode a = await RespNodes.StartPrimaryAsync();
        await using ReplicatedCacheNode b = await RespNodes.StartPrimaryAsync();
        a.Cache.SetString("on-a", "1");
        await using ReplicatedCacheNode replica = await RespNodes.StartSecondaryAsync(b.Address);
        await Nodes.WaitInSyncAsync(b, replica);
        await using RespTestClient blocked = await RespTestClient.ConnectAsync(b);
        await using RespTestClient admin = await RespTestClient.ConnectAsync(b);
        Assert.Equal("OK", await blocked.CallAsync("SET", "k", "v"));
        await blocked.SendAsync(RespTestClient.Encode("WAIT", "2", "0")); // one replica: it can only end by force
        await Poll.UntilAsync(() => b.Resp!.BlockedClients == 1, "the WAIT to block");

        Assert.Equal("OK", await admin.CallAsync("REPLICAOF", "127.0.0.1", a.RespEndPoint!.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        RespError error = Assert.IsType<RespError>(await blocked.ReadAsync());
        Assert.StartsWith("UNBLOCKED force unblock from blocking operation", error.Message, StringComparison.Ordinal);
        Assert.True(await blocked.IsClosedAsync());
        Assert.Equal(0, b.Resp!.BlockedClients);

        // Promoted again, the node serves WAIT as before.
        await Nodes.WaitInSyncAsync(a, b);
        Assert.Equal("OK", await admin.CallAsync("REPLICAOF", "NO", "ONE"));
        await Poll.UntilAsync(() => replica.Replication.GetInfo().ReplicationId == b.Replication.GetInfo().ReplicationId, "the replica to follow b again");
        Assert.Equal("OK", await admin.CallAsync("SET", "k2", "v"));
        Assert.Equal(1L, await admin.CallAsync("WAIT", "1", "0"));
    }
}
