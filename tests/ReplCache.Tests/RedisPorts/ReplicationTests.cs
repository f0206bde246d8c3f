using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;
using ReplCache.Tests.Resp;

namespace ReplCache.Tests.RedisPorts;

/// <summary>
/// Redis's tests/integration/replication.tcl, the cases about the link and the stream (those about a secondary in
/// the middle of a full sync: <see cref="ReplicationLoadingTests"/>).
/// </summary>
public sealed class ReplicationTests
{
    /// <summary>
    /// The master stalls (<c>DEBUG SLEEP</c>) while its replica connects, with the socket open: the secondary gives up
    /// the attempt after the replication timeout, says so, and syncs once the primary answers again.
    /// </summary>
    [Fact]
    [Trait("Category", "Long")]
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

    /// <summary>"SLAVEOF should start with link status down" and "The role should immediately be changed to replica".</summary>
    [Fact]
    public async Task SlaveofShouldStartWithLinkStatusDown_AndTheRoleShouldImmediatelyBeReplica()
    {
        await using ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync();
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);

        Assert.Equal("OK", await client.CallAsync("MULTI"));
        Assert.Equal("QUEUED", await client.CallAsync("SLAVEOF", "127.0.0.1", primary.RespEndPoint!.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal("QUEUED", await client.CallAsync("INFO", "replication"));
        object?[] replies = Assert.IsType<object?[]>(await client.CallAsync("EXEC"));
        string info = Assert.IsType<string>(replies[1]);
        Assert.Contains("role:slave", info, StringComparison.Ordinal);
        Assert.Contains("master_link_status:down", info, StringComparison.Ordinal);
        await Nodes.WaitInSyncAsync(primary, node);
    }

    /// <summary>
    /// "FLUSHDB / FLUSHALL should replicate": every flush is in the stream, even of an empty dataset (PR #10691), so a
    /// replica empties at the same point of the stream as its primary.
    /// </summary>
    [Fact]
    public async Task FlushdbFlushallShouldReplicate()
    {
        await using ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync();
        await using ReplicatedCacheNode replica = await RespNodes.StartSecondaryAsync(primary.Address);
        await Nodes.WaitInSyncAsync(primary, replica);
        await using RespTestClient client = await RespTestClient.ConnectAsync(primary);

        foreach (string flush in new[] { "FLUSHDB", "FLUSHALL", "FLUSHDB", "FLUSHALL" })
        {
            Assert.Equal("OK", await client.CallAsync("SET", "k", "v"));
            Assert.Equal("OK", await client.CallAsync(flush));
            long offset = primary.Replication.GetInfo().Offset;
            Assert.Equal("OK", await client.CallAsync(flush)); // of an empty dataset: still propagated
            Assert.True(primary.Replication.GetInfo().Offset > offset, $"{flush} of an empty dataset is in the stream");
            Assert.Equal(1L, await client.CallAsync("WAIT", "1", "0"));
            Assert.Equal(0, replica.Core.Store.PhysicalCount);
        }

        Assert.Equal(primary.Replication.GetInfo().Offset, replica.Replication.GetInfo().Offset);
    }
}
