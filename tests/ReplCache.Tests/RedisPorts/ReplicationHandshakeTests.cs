using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.RedisPorts;

/// <summary>
/// Redis's tests/integration/replication.tcl, "Slave is able to detect timeout during handshake": the master stalls
/// (<c>DEBUG SLEEP</c>) while its replica connects, with the socket open. The secondary must give up the attempt
/// after the replication timeout, say so, and sync once the primary answers again.
/// </summary>
public sealed class ReplicationHandshakeTests
{
    [Fact]
    public async Task SlaveIsAbleToDetectTimeoutDuringHandshake()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        primary.Cache.SetString("k", "v");
        await using var proxy = new TcpFaultProxy(primary.Address);
        proxy.Stall(bothWays: true); // TCP connects; not a byte of the handshake goes through
        var timeout = TimeSpan.FromSeconds(2);
        await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(proxy.Address, o => o.ReplicationTimeout = timeout);

        await Poll.UntilAsync(() => secondary.Replication.GetInfo().LinkDownReason is not null, "the secondary to give up the stalled handshake");
        Assert.True(proxy.ConnectionsAccepted >= 1);
        Assert.NotEqual(PrimaryLinkStatus.Up, secondary.Replication.GetInfo().LinkStatus);
        Assert.Null(secondary.Cache.GetString("k"));

        proxy.Resume();
        await Nodes.WaitInSyncAsync(primary, secondary);
        Assert.Equal("v", secondary.Cache.GetString("k"));
    }
}
