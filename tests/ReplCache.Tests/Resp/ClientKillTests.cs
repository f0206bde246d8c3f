using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Resp;

/// <summary>CLIENT KILL in its old and filter forms, closing the connections for real, with Redis 7.0's replies and errors.</summary>
public sealed class ClientKillTests
{
    [Fact]
    public async Task TypeNormal_ClosesTheOtherNormalClients_NotTheCaller_NorSubscribers()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient caller = await RespTestClient.ConnectAsync(node);
        await using RespTestClient first = await RespTestClient.ConnectAsync(node);
        await using RespTestClient second = await RespTestClient.ConnectAsync(node);
        await using RespTestClient subscriber = await RespTestClient.ConnectAsync(node);
        await first.CallAsync("PING");
        await second.CallAsync("PING");
        await subscriber.CallAsync("SUBSCRIBE", "c");

        Assert.Equal(":2\r\n", await caller.CallRawAsync(":2\r\n", "CLIENT", "KILL", "TYPE", "normal"));
        Assert.True(await first.IsClosedAsync());
        Assert.True(await second.IsClosedAsync());
        Assert.Equal(new object?[] { "pong", "" }, await subscriber.CallAsync("PING"));
        Assert.Equal("PONG", await caller.CallAsync("PING"));

        Assert.Equal(1L, await caller.CallAsync("CLIENT", "KILL", "TYPE", "PUBSUB"));
        Assert.True(await subscriber.IsClosedAsync());
        await Poll.UntilAsync(() => node.Core.Resp!.PubSub.ChannelCount == 0, "the killed subscriber's channel to go");
    }

    [Theory]
    [InlineData("master")]
    [InlineData("replica")]
    [InlineData("slave")]
    public async Task TypesOfReplicationLinks_MatchNoRespClient_EvenWithASecondaryConnected(string type)
    {
        await using ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync();
        await using ReplicatedCacheNode secondary = await RespNodes.StartSecondaryAsync(primary.Address);
        await Nodes.WaitInSyncAsync(primary, secondary);
        await using RespTestClient caller = await RespTestClient.ConnectAsync(primary);
        await using RespTestClient other = await RespTestClient.ConnectAsync(primary);
        Assert.Equal(0L, await caller.CallAsync("CLIENT", "KILL", "TYPE", type, "SKIPME", "no"));
        Assert.Equal("PONG", await other.CallAsync("PING"));
        Assert.Equal(PrimaryLinkStatus.Up, secondary.Replication.GetInfo().LinkStatus);
    }

    [Fact]
    public async Task IdAddrAndLaddr_SelectWhomToKill()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient caller = await RespTestClient.ConnectAsync(node);
        await using RespTestClient byId = await RespTestClient.ConnectAsync(node);
        await using RespTestClient byAddr = await RespTestClient.ConnectAsync(node);
        await using RespTestClient byLaddr = await RespTestClient.ConnectAsync(node);
        long id = Assert.IsType<long>(await byId.CallAsync("CLIENT", "ID"));
        Assert.Equal(1L, await caller.CallAsync("CLIENT", "KILL", "ID", id.ToString()));
        Assert.True(await byId.IsClosedAsync());

        Assert.Equal("PONG", await byAddr.CallAsync("PING"));
        Assert.Equal(1L, await caller.CallAsync("CLIENT", "KILL", "ADDR", byAddr.LocalEndPoint.ToString(), "USER", "default"));
        Assert.True(await byAddr.IsClosedAsync());

        // LADDR names the node's end: every client connected to that endpoint but the caller. (On a port shared
        // with replication, a connection is a RESP client once its first bytes say so.)
        Assert.Equal("PONG", await byLaddr.CallAsync("PING"));
        Assert.Equal(1L, await caller.CallAsync("CLIENT", "KILL", "LADDR", node.RespEndPoint!.ToString()));
        Assert.True(await byLaddr.IsClosedAsync());
        Assert.Equal(0L, await caller.CallAsync("CLIENT", "KILL", "ID", "999999"));
        Assert.Equal("PONG", await caller.CallAsync("PING"));
    }

    [Fact]
    public async Task SkipMeNo_KillsTheCallerToo_AfterItsReply()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient caller = await RespTestClient.ConnectAsync(node);
        long id = Assert.IsType<long>(await caller.CallAsync("CLIENT", "ID"));
        Assert.Equal(1L, await caller.CallAsync("CLIENT", "KILL", "ID", id.ToString(), "SKIPME", "no"));
        Assert.True(await caller.IsClosedAsync());
    }

    [Fact]
    public async Task OldForm_AnswersOk_OrNoSuchClient_AndMayKillTheCaller()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient caller = await RespTestClient.ConnectAsync(node);
        await using RespTestClient victim = await RespTestClient.ConnectAsync(node);
        await victim.CallAsync("PING");
        Assert.Equal("+OK\r\n", await caller.CallRawAsync("+OK\r\n", "CLIENT", "KILL", victim.LocalEndPoint.ToString()));
        Assert.True(await victim.IsClosedAsync());
        Assert.Equal(new RespError("ERR No such client"), await caller.CallAsync("CLIENT", "KILL", "127.0.0.1:1"));
        Assert.Equal("OK", await caller.CallAsync("CLIENT", "KILL", caller.LocalEndPoint.ToString()));
        Assert.True(await caller.IsClosedAsync());
    }

    [Fact]
    public async Task BadFilters_AreRedissErrors()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        Assert.Equal(new RespError("ERR wrong number of arguments for 'client|kill' command"), await client.CallAsync("CLIENT", "KILL"));
        Assert.Equal(new RespError("ERR syntax error"), await client.CallAsync("CLIENT", "KILL", "TYPE", "normal", "ID"));
        Assert.Equal(new RespError("ERR syntax error"), await client.CallAsync("CLIENT", "KILL", "FROB", "x"));
        Assert.Equal(new RespError("ERR syntax error"), await client.CallAsync("CLIENT", "KILL", "SKIPME", "maybe"));
        Assert.Equal(new RespError("ERR Unknown client type 'robot'"), await client.CallAsync("CLIENT", "KILL", "TYPE", "robot"));
        Assert.Equal(new RespError("ERR client-id should be greater than 0"), await client.CallAsync("CLIENT", "KILL", "ID", "0"));
        Assert.Equal(new RespError("ERR client-id should be greater than 0"), await client.CallAsync("CLIENT", "KILL", "ID", "x"));
        Assert.Equal(new RespError("ERR No such user 'bob'"), await client.CallAsync("CLIENT", "KILL", "USER", "bob"));
        Assert.Equal("PONG", await client.CallAsync("PING"));
    }

    [Fact]
    public async Task AClientWaitingInWait_IsKilledToo()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient caller = await RespTestClient.ConnectAsync(node);
        await using RespTestClient waiting = await RespTestClient.ConnectAsync(node);
        await waiting.SendAsync(RespTestClient.Encode("WAIT", "1", "0"));
        await Poll.UntilAsync(() => node.Core.Resp!.BlockedClients == 1, "the client to block in WAIT");
        Assert.Equal(1L, await caller.CallAsync("CLIENT", "KILL", "TYPE", "normal"));
        Assert.True(await waiting.IsClosedAsync());
        await Poll.UntilAsync(() => node.Core.Resp!.BlockedClients == 0 && node.Core.Resp.ConnectedClients == 1, "the killed client to be gone");
    }
}
