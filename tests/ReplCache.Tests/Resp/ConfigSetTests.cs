namespace ReplCache.Tests.Resp;

/// <summary>CONFIG SET of the directives a running node can change, as Redis 7 answers it: all or nothing, in Redis's errors.</summary>
public class ConfigSetTests
{
    [Fact]
    public async Task ReplicaPriority_ChangesWhatInfoTellsSentinel_AndConfigGet()
    {
        await using ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync();
        await using ReplicatedCacheNode node = await RespNodes.StartSecondaryAsync(primary.Address);
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);

        Assert.Equal("OK", await client.CallAsync("CONFIG", "SET", "replica-priority", "0"));
        Assert.Contains("slave_priority:0\r\n", (string)(await client.CallAsync("INFO", "replication"))!);
        Assert.Equal(0, node.Replication.GetInfo().ReplicaPriority);

        // The old name works too, and the change shows under the current one.
        Assert.Equal("OK", await client.CallAsync("CONFIG", "SET", "slave-priority", "25"));
        object?[] pair = Assert.IsType<object?[]>(await client.CallAsync("CONFIG", "GET", "replica-priority"));
        Assert.Equal(["replica-priority", "25"], pair);
    }

    [Fact]
    public async Task MinReplicasToWrite_TakesEffectAtOnce()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        Assert.Equal("OK", await client.CallAsync("SET", "k", "1"));

        Assert.Equal("OK", await client.CallAsync("CONFIG", "SET", "min-replicas-to-write", "1", "min-replicas-max-lag", "5"));
        Assert.StartsWith("NOREPLICAS", Assert.IsType<RespError>(await client.CallAsync("SET", "k", "2")).Message);
        Assert.Equal(TimeSpan.FromSeconds(5), node.Core.Options.MinReplicasMaxLag);

        Assert.Equal("OK", await client.CallAsync("CONFIG", "SET", "min-replicas-to-write", "0"));
        Assert.Equal("OK", await client.CallAsync("SET", "k", "3"));
    }

    [Fact]
    public async Task ABadValue_ChangesNothing_NotEvenTheGoodPairsBeforeIt()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);

        Assert.Equal(
            "ERR CONFIG SET failed (possibly related to argument 'min-replicas-to-write') - argument couldn't be parsed into an integer",
            Assert.IsType<RespError>(await client.CallAsync("CONFIG", "SET", "replica-priority", "7", "min-replicas-to-write", "many")).Message);
        Assert.Equal(100, node.Replication.GetInfo().ReplicaPriority);

        // Parsed, but refused by the same checks as at startup (the lag must be positive): undone as well.
        Assert.StartsWith(
            "ERR CONFIG SET failed (possibly related to argument 'replica-priority') - ",
            Assert.IsType<RespError>(await client.CallAsync("CONFIG", "SET", "replica-priority", "7", "min-replicas-max-lag", "0")).Message);
        Assert.Equal(100, node.Replication.GetInfo().ReplicaPriority);
        Assert.Equal(TimeSpan.FromSeconds(10), node.Core.Options.MinReplicasMaxLag);
    }

    [Fact]
    public async Task UnknownImmutableAndRepeatedNames_AreRefusedInRedissWords()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);

        Assert.Equal("ERR Unknown option or number of arguments for CONFIG SET - 'no-such-thing'", Error(await client.CallAsync("CONFIG", "SET", "no-such-thing", "1")));
        Assert.Equal("ERR CONFIG SET failed (possibly related to argument 'repl-backlog-size') - can't set immutable config", Error(await client.CallAsync("CONFIG", "SET", "repl-backlog-size", "1mb")));
        Assert.Equal("ERR CONFIG SET failed (possibly related to argument 'slave-priority') - duplicate parameter", Error(await client.CallAsync("CONFIG", "SET", "replica-priority", "1", "slave-priority", "2")));
        Assert.Equal("ERR wrong number of arguments for 'config|set' command", Error(await client.CallAsync("CONFIG", "SET", "replica-priority")));
        Assert.Equal(100, node.Replication.GetInfo().ReplicaPriority);
    }

    [Fact]
    public async Task Requirepass_ChangesTheGroupSecret_NewClientsAndPeersNeedIt_ConnectedOnesStay()
    {
        await using ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync();
        await using ReplicatedCacheNode secondary = await RespNodes.StartSecondaryAsync(primary.Address);
        await Infrastructure.Nodes.WaitInSyncAsync(primary, secondary);
        await using RespTestClient admin = await RespTestClient.ConnectAsync(primary);

        Assert.Equal("OK", await admin.CallAsync("CONFIG", "SET", "requirepass", "s3cret"));
        Assert.Equal("s3cret", primary.Core.Options.AuthToken);
        Assert.Equal("PONG", await admin.CallAsync("PING")); // authenticated before the change: stays so, as in Redis

        await using (RespTestClient newcomer = await RespTestClient.ConnectAsync(primary))
        {
            Assert.Equal(new RespError("NOAUTH Authentication required."), await newcomer.CallAsync("GET", "k"));
            Assert.Equal("OK", await newcomer.CallAsync("AUTH", "s3cret"));
        }

        // A secondary still presenting no secret is refused on its next connection (made here by pointing it away and
        // back); given the secret, it comes back.
        await secondary.Replication.ReplicaOfAsync(new Uri("http://127.0.0.1:1"));
        await secondary.Replication.ReplicaOfAsync(primary.Address);
        await Infrastructure.Poll.UntilAsync(() => secondary.Replication.GetInfo().LinkDownReason?.Contains("Unauthenticated", StringComparison.Ordinal) == true,
            "the secondary without the new secret to be refused");
        await using (RespTestClient toSecondary = await RespTestClient.ConnectAsync(secondary))
        {
            Assert.Equal("OK", await toSecondary.CallAsync("CONFIG", "SET", "masterauth", "s3cret"));
        }

        await Infrastructure.Poll.UntilAsync(() => secondary.Replication.GetInfo().LinkStatus == PrimaryLinkStatus.Up, "the secondary to reconnect with the secret");

        Assert.Equal("OK", await admin.CallAsync("CONFIG", "SET", "requirepass", ""));
        Assert.Null(primary.Core.Options.AuthToken);
    }

    [Fact]
    public async Task ReplicaAnnounced_IsInInfo_AndOnlyYesOrNo()
    {
        await using ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync();
        await using ReplicatedCacheNode node = await RespNodes.StartSecondaryAsync(primary.Address);
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        Assert.Contains("replica_announced:1\r\n", (string)(await client.CallAsync("INFO", "replication"))!);
        Assert.Equal("OK", await client.CallAsync("CONFIG", "SET", "replica-announced", "no"));
        Assert.Contains("replica_announced:0\r\n", (string)(await client.CallAsync("INFO", "replication"))!);
        Assert.StartsWith("ERR CONFIG SET failed (possibly related to argument 'replica-announced')", Error(await client.CallAsync("CONFIG", "SET", "replica-announced", "maybe")));
        Assert.False(node.Core.Options.ReplicaAnnounced);
    }

    private static string Error(object? reply) => Assert.IsType<RespError>(reply).Message;
}
