namespace ReplCache.Tests.Resp;

/// <summary>INFO, CONFIG GET, COMMAND, DEBUG DIGEST and SAVE.</summary>
public class ServerCommandTests
{
    [Fact]
    public async Task Info_DefaultSections_HaveRedisFieldNames()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        await client.CallAsync("SET", "k", "v", "EX", "100");
        await client.CallAsync("SET", "k2", "v");
        await client.CallAsync("GET", "k");
        await client.CallAsync("GET", "missing");
        string info = Assert.IsType<string>(await client.CallAsync("INFO"));
        Dictionary<string, string> fields = Fields(info);
        Assert.Equal("7.0.15", fields["redis_version"]);
        Assert.True(fields.ContainsKey("replcache_version"));
        Assert.Equal(node.RespEndPoint!.Port.ToString(), fields["tcp_port"]);
        Assert.Equal("1", fields["connected_clients"]);
        Assert.Equal("1", fields["keyspace_hits"]);
        Assert.Equal("1", fields["keyspace_misses"]);
        Assert.True(long.Parse(fields["total_commands_processed"]) >= 5);
        Assert.True(long.Parse(fields["used_memory"]) > 0);
        Assert.Equal("keys=2,expires=1,avg_ttl=0", fields["db0"]);
        Assert.Equal("master", fields["role"]);
        foreach (string section in new[] { "# Server", "# Clients", "# Memory", "# Stats", "# Replication", "# Keyspace" })
        {
            Assert.Contains(section + "\r\n", info);
        }
    }

    [Fact]
    public async Task Info_WithSections_ShowsOnlyThose_AndReplicationIsReplicationInfo()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        string replication = Assert.IsType<string>(await client.CallAsync("INFO", "replication"));
        Assert.Equal(node.Replication.GetInfo().ToInfoString(), replication);
        string two = Assert.IsType<string>(await client.CallAsync("info", "SERVER", "clients"));
        Assert.StartsWith("# Server\r\n", two);
        Assert.Contains("\r\n\r\n# Clients\r\n", two);
        Assert.DoesNotContain("# Memory", two);
        Assert.Equal("", await client.CallAsync("INFO", "nosuchsection"));
        Assert.Contains("# Keyspace", Assert.IsType<string>(await client.CallAsync("INFO", "everything")));
    }

    [Fact]
    public async Task ConfigGet_GivesOptionsInRedisUnits_AndHostSettingsWin()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync(o =>
        {
            o.ReplicationTimeout = TimeSpan.FromSeconds(30);
            o.MinReplicasToWrite = 0;
            o.BacklogSizeBytes = 1024 * 1024;
        });
        node.Core.HostSettings["pidfile"] = "/var/run/replcache.pid";
        node.Core.HostSettings["dir"] = "/data";
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        Dictionary<string, string> all = Pairs(await client.CallAsync("CONFIG", "GET", "*"));
        Assert.Equal("30", all["repl-timeout"]);
        Assert.Equal("1048576", all["repl-backlog-size"]);
        Assert.Equal("yes", all["replica-read-only"]);
        Assert.Equal("yes", all["replica-serve-stale-data"]);
        Assert.Equal("no", all["daemonize"]);
        Assert.Equal("/var/run/replcache.pid", all["pidfile"]);
        Assert.Equal("/data", all["dir"]);
        Assert.Equal("127.0.0.1", all["bind"]);
        Assert.Equal(node.RespEndPoint!.Port.ToString(), all["port"]);
        Assert.Equal("", all["replicaof"]);

        Dictionary<string, string> repl = Pairs(await client.CallAsync("CONFIG", "GET", "REPL-*", "port"));
        Assert.Equal(["port", "repl-backlog-size", "repl-backlog-ttl", "repl-ping-replica-period", "repl-timeout"], repl.Keys.Order());
        Assert.Equal("3600", repl["repl-backlog-ttl"]);
        Assert.Empty(Pairs(await client.CallAsync("CONFIG", "GET", "nothing")));
        Assert.Equal(
            "ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config",
            Assert.IsType<RespError>(await client.CallAsync("CONFIG", "SET", "port", "1")).Message);
    }

    [Fact]
    public async Task ConfigGetSave_ListsEverySavePoint_AsRedisDoes()
    {
        string dir = Directory.CreateTempSubdirectory("replcache-config-save-").FullName;
        try
        {
            await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync(o =>
            {
                o.SnapshotPath = Path.Combine(dir, "dump.rcs");
                o.SnapshotSavePoints = [.. SnapshotSavePoint.RedisDefaults];
            });
            await using RespTestClient client = await RespTestClient.ConnectAsync(node);
            Assert.Equal("3600 1 300 100 60 10000", Pairs(await client.CallAsync("CONFIG", "GET", "save"))["save"]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Command_DescribesEveryCommand()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        long count = Assert.IsType<long>(await client.CallAsync("COMMAND", "COUNT"));
        object?[] all = Assert.IsType<object?[]>(await client.CallAsync("COMMAND"));
        Assert.Equal(count, all.Length);
        object?[] get = Assert.IsType<object?[]>(all.Single(c => ((object?[])c!)[0] is "get"));
        Assert.Equal(2L, get[1]);
        object?[] docs = Assert.IsType<object?[]>(await client.CallAsync("COMMAND", "DOCS", "set", "nosuch"));
        Assert.Equal("set", docs[0]);
        Assert.Equal(2, docs.Length);
        Assert.Equal(count * 2, Assert.IsType<object?[]>(await client.CallAsync("COMMAND", "DOCS")).Length);
    }

    [Fact]
    public async Task DebugDigest_IsTheCachesDigest()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        Assert.Equal(new string('0', 40), await client.CallAsync("DEBUG", "DIGEST"));
        await client.CallAsync("SET", "k", "v");
        Assert.Equal(node.Cache.GetDigest(), await client.CallAsync("DEBUG", "DIGEST"));
    }

    [Fact]
    public async Task Save_WritesTheSnapshot_OrSaysThereIsNoPath()
    {
        string path = Path.Combine(Path.GetTempPath(), $"replcache-resp-{Guid.NewGuid():N}.snapshot");
        try
        {
            await using (ReplicatedCacheNode memoryOnly = await RespNodes.StartPrimaryAsync())
            await using (RespTestClient client = await RespTestClient.ConnectAsync(memoryOnly))
            {
                Assert.StartsWith("ERR SAVE is not available", Assert.IsType<RespError>(await client.CallAsync("SAVE")).Message);
            }

            await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync(o => o.SnapshotPath = path);
            await using RespTestClient saver = await RespTestClient.ConnectAsync(node);
            await saver.CallAsync("SET", "k", "v");
            Assert.Equal("OK", await saver.CallAsync("SAVE"));
            Assert.True(new FileInfo(path).Length > 0);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static Dictionary<string, string> Fields(string info) =>
        info.Split("\r\n", StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.StartsWith('#'))
            .Select(l => l.Split(':', 2))
            .ToDictionary(p => p[0], p => p[1]);

    private static Dictionary<string, string> Pairs(object? reply)
    {
        object?[] flat = Assert.IsType<object?[]>(reply);
        return Enumerable.Range(0, flat.Length / 2).ToDictionary(i => (string)flat[2 * i]!, i => (string)flat[2 * i + 1]!);
    }
}
