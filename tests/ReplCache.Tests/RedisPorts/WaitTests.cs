using ReplCache.Tests.Infrastructure;
using ReplCache.Tests.Resp;

namespace ReplCache.Tests.RedisPorts;

/// <summary>Redis's tests/unit/wait.tcl, the cases not covered by Replication.WriteGuaranteeTests.</summary>
public sealed class WaitTests
{
    [Fact]
    public async Task WaitOutOfRangeTimeout_Milliseconds()
    {
        await using ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync();
        await using ReplicatedCacheNode replica = await RespNodes.StartSecondaryAsync(primary.Address);
        await Nodes.WaitInSyncAsync(primary, replica);
        await using RespTestClient master = await RespTestClient.ConnectAsync(primary);

        // Past LLONG_MAX: not a number; LLONG_MAX itself: overflows once added to now; negative: refused.
        Assert.Contains("or out of range", Assert.IsType<RespError>(await master.CallAsync("WAIT", "2", "9223372036854775808")).Message, StringComparison.Ordinal);
        Assert.Contains("timeout is out of range", Assert.IsType<RespError>(await master.CallAsync("WAIT", "2", "9223372036854775807")).Message, StringComparison.Ordinal);
        Assert.Contains("timeout is negative", Assert.IsType<RespError>(await master.CallAsync("WAIT", "2", "-1")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WaitReplicaMultipleClientsUnblock_ReuseLastResult()
    {
        await using ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync();
        await using var proxy = new TcpFaultProxy(primary.Address);
        await using ReplicatedCacheNode replica = await RespNodes.StartSecondaryAsync(proxy.Address);
        await Nodes.WaitInSyncAsync(primary, replica);
        await using RespTestClient rd = await RespTestClient.ConnectAsync(primary);
        await using RespTestClient rd2 = await RespTestClient.ConnectAsync(primary);

        proxy.Stall(bothWays: true); // pause_process of the replica
        Assert.Equal("OK", await rd.CallAsync("SET", "foo", "1"));
        Assert.Equal("OK", await rd2.CallAsync("SET", "foo", "2"));
        await rd.SendAsync(RespTestClient.Encode("WAIT", "1", "0"));
        await rd2.SendAsync(RespTestClient.Encode("WAIT", "1", "0"));
        await Poll.UntilAsync(() => primary.Resp!.BlockedClients == 2, "both WAITs to block");

        proxy.Resume();
        Assert.Equal(1L, await rd.ReadAsync());
        Assert.Equal(1L, await rd2.ReadAsync());
        Assert.Equal("PONG", await rd.CallAsync("PING"));
        Assert.Equal("PONG", await rd2.CallAsync("PING"));
    }
}
