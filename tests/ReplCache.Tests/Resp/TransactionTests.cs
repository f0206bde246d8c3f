using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Resp;

/// <summary>MULTI, EXEC and DISCARD with Redis's semantics, and Redis Sentinel's failover transaction.</summary>
public sealed class TransactionTests
{
    [Fact]
    public async Task Exec_RunsTheQueueInOrder_AndAnswersInOneArray_NothingRunningBefore()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        await using RespTestClient other = await RespTestClient.ConnectAsync(node);
        Assert.Equal("+OK\r\n", await client.CallRawAsync("+OK\r\n", "MULTI"));
        Assert.Equal("+QUEUED\r\n", await client.CallRawAsync("+QUEUED\r\n", "SET", "k", "v"));
        Assert.Equal("QUEUED", await client.CallAsync("GET", "k"));
        Assert.Equal("QUEUED", await client.CallAsync("SELECT", "9")); // fails when run: an element of EXEC's reply
        Assert.Equal("QUEUED", await client.CallAsync("DEL", "k"));
        Assert.Null(await other.CallAsync("GET", "k"));

        string reply = "*4\r\n+OK\r\n$1\r\nv\r\n-ERR DB index is out of range\r\n:1\r\n";
        Assert.Equal(reply, await client.CallRawAsync(reply, "EXEC"));
        Assert.Equal(new RespError("ERR EXEC without MULTI"), await client.CallAsync("EXEC"));
    }

    [Theory]
    [InlineData("NOSUCH", "ERR unknown command 'NOSUCH', with args beginning with: 'x' ")]
    [InlineData("GET", "ERR wrong number of arguments for 'get' command")]
    public async Task AQueueTimeError_IsAnswered_AndExecAbortsRunningNothing(string command, string error)
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        await client.CallAsync("MULTI");
        Assert.Equal("QUEUED", await client.CallAsync("SET", "k", "v"));
        Assert.Equal(new RespError(error), await client.CallAsync(command == "GET" ? new[] { "GET" } : new[] { command, "x" }));
        Assert.Equal("QUEUED", await client.CallAsync("SET", "k2", "v"));
        string abort = "-EXECABORT Transaction discarded because of previous errors.\r\n";
        Assert.Equal(abort, await client.CallRawAsync(abort, "EXEC"));
        Assert.Null(await client.CallAsync("GET", "k"));
        Assert.Null(await client.CallAsync("GET", "k2"));
    }

    [Fact]
    public async Task NestedMulti_IsAnErrorThatKeepsTheTransaction_AndDiscardDropsIt()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        Assert.Equal(new RespError("ERR DISCARD without MULTI"), await client.CallAsync("DISCARD"));
        await client.CallAsync("MULTI");
        Assert.Equal("QUEUED", await client.CallAsync("SET", "a", "1"));
        Assert.Equal(new RespError("ERR MULTI calls can not be nested"), await client.CallAsync("MULTI"));
        Assert.Equal(new object?[] { "OK" }, await client.CallAsync("EXEC"));

        await client.CallAsync("MULTI");
        Assert.Equal("QUEUED", await client.CallAsync("SET", "b", "1"));
        Assert.Equal("OK", await client.CallAsync("DISCARD"));
        Assert.Null(await client.CallAsync("GET", "b"));
        Assert.Equal("1", await client.CallAsync("GET", "a"));
    }

    [Fact]
    public async Task Reset_InsideMulti_DropsTheTransaction()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        await client.CallAsync("MULTI");
        await client.CallAsync("SET", "a", "1");
        Assert.Equal("RESET", await client.CallAsync("RESET"));
        Assert.Equal(new RespError("ERR EXEC without MULTI"), await client.CallAsync("EXEC"));
        Assert.Null(await client.CallAsync("GET", "a"));
    }

    [Fact]
    public async Task AWriteQueuedOnASecondary_IsReadOnlyAtQueueTime_AndAbortsTheTransaction()
    {
        await using ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync();
        await using ReplicatedCacheNode secondary = await RespNodes.StartSecondaryAsync(primary.Address);
        await Nodes.WaitInSyncAsync(primary, secondary);
        await using RespTestClient client = await RespTestClient.ConnectAsync(secondary);
        await client.CallAsync("MULTI");
        Assert.Equal(new RespError("READONLY You can't write against a read only replica."), await client.CallAsync("SET", "k", "v"));
        Assert.Equal("QUEUED", await client.CallAsync("PUBLISH", "c", "m")); // not a write
        Assert.Equal(new RespError("EXECABORT Transaction discarded because of previous errors."), await client.CallAsync("EXEC"));
    }

    [Fact]
    public async Task Exec_OfAWrite_OnANodeThatBecameASecondarySinceQueueing_IsAbortedWithTheReason()
    {
        await using ReplicatedCacheNode other = await RespNodes.StartPrimaryAsync();
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        await using RespTestClient admin = await RespTestClient.ConnectAsync(node);
        await client.CallAsync("MULTI");
        Assert.Equal("QUEUED", await client.CallAsync("SET", "k", "v"));
        Assert.Equal("OK", await admin.CallAsync("REPLICAOF", "127.0.0.1", other.RespEndPoint!.Port.ToString()));
        Assert.Equal(
            new RespError("EXECABORT Transaction discarded because of: READONLY You can't write against a read only replica."),
            await client.CallAsync("EXEC"));
        Assert.Equal(new RespError("ERR EXEC without MULTI"), await client.CallAsync("EXEC"));
    }

    [Fact]
    public async Task Wait_InsideExec_AnswersAtOnce()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        await client.CallAsync("MULTI");
        await client.CallAsync("WAIT", "1", "0"); // would wait forever outside a transaction: no secondary
        Assert.Equal(new object?[] { 0L }, await client.CallAsync("EXEC"));
    }

    [Fact]
    public async Task SentinelsPromotion_PipelinedInOneWrite_PromotesTheSecondary_AndDropsTheOtherClients()
    {
        await using ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync();
        await using ReplicatedCacheNode secondary = await RespNodes.StartSecondaryAsync(primary.Address);
        primary.Cache.SetString("k", "v");
        await Nodes.WaitInSyncAsync(primary, secondary);
        await using RespTestClient normal = await RespTestClient.ConnectAsync(secondary);
        await using RespTestClient subscribed = await RespTestClient.ConnectAsync(secondary);
        await using RespTestClient sentinel = await RespTestClient.ConnectAsync(secondary);
        Assert.Equal("PONG", await normal.CallAsync("PING"));
        await subscribed.CallAsync("SUBSCRIBE", "__sentinel__:hello");

        // The bytes Sentinel 7.0 sends (sentinelSendSlaveOf), with the PUBLISH it pipelines right after EXEC.
        var transaction = new MemoryStream();
        transaction.Write(RespTestClient.Encode("MULTI"));
        transaction.Write(RespTestClient.Encode("SLAVEOF", "NO", "ONE"));
        transaction.Write(RespTestClient.Encode("CONFIG", "REWRITE"));
        transaction.Write(RespTestClient.Encode("CLIENT", "KILL", "TYPE", "normal"));
        transaction.Write(RespTestClient.Encode("CLIENT", "KILL", "TYPE", "pubsub"));
        transaction.Write(RespTestClient.Encode("EXEC"));
        transaction.Write(RespTestClient.Encode("PUBLISH", "__sentinel__:hello", "hello"));
        await sentinel.SendAsync(transaction.ToArray());

        string replies = "+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n"
            + "*4\r\n+OK\r\n-ERR The server is running without a config file\r\n:1\r\n:1\r\n:0\r\n";
        Assert.Equal(replies, await sentinel.ReadRawLikeAsync(replies));
        Assert.Equal(ReplicationRole.Primary, secondary.Replication.GetInfo().Role);
        Assert.True(await normal.IsClosedAsync());
        Assert.True(await subscribed.IsClosedAsync());
        Assert.Equal("role:master", Assert.IsType<string>(await sentinel.CallAsync("INFO", "replication")).Split("\r\n")[1]);
        Assert.Equal("OK", await sentinel.CallAsync("SET", "now", "writable"));
    }

    [Fact]
    public async Task SentinelsDemotion_SplitAtEveryByte_MakesAPrimaryFollowTheNewOne()
    {
        await using ReplicatedCacheNode promoted = await RespNodes.StartPrimaryAsync();
        await using ReplicatedCacheNode old = await RespNodes.StartPrimaryAsync();
        promoted.Cache.SetString("k", "v");
        await using RespTestClient sentinel = await RespTestClient.ConnectAsync(old);
        string port = promoted.RespEndPoint!.Port.ToString();
        var transaction = new MemoryStream();
        transaction.Write(RespTestClient.Encode("MULTI"));
        transaction.Write(RespTestClient.Encode("SLAVEOF", "127.0.0.1", port));
        transaction.Write(RespTestClient.Encode("CONFIG", "REWRITE"));
        transaction.Write(RespTestClient.Encode("CLIENT", "KILL", "TYPE", "normal"));
        transaction.Write(RespTestClient.Encode("CLIENT", "KILL", "TYPE", "pubsub"));
        transaction.Write(RespTestClient.Encode("EXEC"));
        await sentinel.SendByteByByteAsync(transaction.ToArray());

        string replies = "+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n"
            + "*4\r\n+OK\r\n-ERR The server is running without a config file\r\n:0\r\n:0\r\n";
        Assert.Equal(replies, await sentinel.ReadRawLikeAsync(replies));
        await Nodes.WaitInSyncAsync(promoted, old);
        Dictionary<string, string> info = Assert.IsType<string>(await sentinel.CallAsync("INFO", "replication")).Split("\r\n")
            .Where(l => l.Contains(':')).Select(l => l.Split(':', 2)).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal("slave", info["role"]);
        Assert.Equal("127.0.0.1", info["master_host"]);
        Assert.Equal(port, info["master_port"]);
        Assert.Equal("up", info["master_link_status"]);
        Assert.Equal("v", await sentinel.CallAsync("GET", "k"));
    }

    [Fact]
    public async Task ConfigRewrite_UsesTheHostsHook_WhenThereIsOne()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        int rewrites = 0;
        node.Core.Resp!.RewriteConfig = _ =>
        {
            Interlocked.Increment(ref rewrites);
            return Task.CompletedTask;
        };
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        Assert.Equal("OK", await client.CallAsync("CONFIG", "REWRITE"));
        Assert.Equal(1, rewrites);
        Assert.Equal(new RespError("ERR wrong number of arguments for 'config|rewrite' command"), await client.CallAsync("CONFIG", "REWRITE", "x"));

        node.Core.Resp.RewriteConfig = _ => throw new IOException("Permission denied");
        Assert.Equal(new RespError("ERR Rewriting config file: Permission denied"), await client.CallAsync("CONFIG", "REWRITE"));
    }
}
