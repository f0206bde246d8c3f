using ReplCache.Tests.Infrastructure;
using ReplCache.Tests.Server;
using StackExchange.Redis;

namespace ReplCache.Tests.EndToEnd;

/// <summary>
/// StackExchange.Redis, the client most .NET code talks to Redis with, against a replcache-server process:
/// what its users would hit first (GET/SET, expiry, INFO, pipelining, the replica's READONLY).
/// </summary>
public sealed class StackExchangeRedisCompatibilityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("replcache-ser-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task GetSetExpiryInfoAndPipelining_WorkThroughStackExchangeRedis()
    {
        await using ServerProcess server = ServerProcess.Start(_dir, "--port", "0", "--bind", "127.0.0.1", "--dir", _dir);
        Uri address = await server.WaitReadyAsync();
        await using ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{address.Port},abortConnect=false,connectTimeout=10000,allowAdmin=true");
        IDatabase db = redis.GetDatabase();

        Assert.True(await db.StringSetAsync("greeting", "hello"));
        Assert.Equal("hello", (string?)await db.StringGetAsync("greeting"));
        Assert.False((await db.StringGetAsync("missing")).HasValue);
        Assert.False(await db.StringSetAsync("greeting", "again", when: When.NotExists));
        Assert.True(await db.StringSetAsync("greeting", "again", when: When.Exists));
        Assert.Equal("again", (string?)await db.StringGetAsync("greeting"));

        byte[] binary = [0, 1, 2, 255, 13, 10, 0];
        await db.StringSetAsync("binary", binary);
        Assert.Equal(binary, (byte[]?)await db.StringGetAsync("binary"));

        Assert.True(await db.StringSetAsync("short-lived", "x", TimeSpan.FromSeconds(100)));
        TimeSpan? ttl = await db.KeyTimeToLiveAsync("short-lived");
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(100));
        Assert.True(await db.KeyPersistAsync("short-lived"));
        Assert.Null(await db.KeyTimeToLiveAsync("short-lived"));
        Assert.True(await db.KeyExpireAsync("short-lived", TimeSpan.FromMilliseconds(1)));
        await Poll.UntilAsync(() => !db.KeyExists("short-lived"), "a 1 ms expiry to pass");

        // Pipelining: many commands in flight at once, replies matched in order.
        Task<bool>[] sets = Enumerable.Range(0, 1000).Select(i => db.StringSetAsync($"p{i}", $"v{i}")).ToArray();
        Assert.All(await Task.WhenAll(sets), Assert.True);
        Task<RedisValue>[] gets = Enumerable.Range(0, 1000).Select(i => db.StringGetAsync($"p{i}")).ToArray();
        RedisValue[] values = await Task.WhenAll(gets);
        for (int i = 0; i < values.Length; i++)
        {
            Assert.Equal($"v{i}", (string?)values[i]);
        }

        Assert.Equal(1, await db.KeyDeleteAsync(["p0", "nope"]));
        IServer admin = redis.GetServer(redis.GetEndPoints()[0]);
        Assert.Equal(1001, await admin.DatabaseSizeAsync()); // greeting, binary, p1..p999 (short-lived expired)
        IGrouping<string, KeyValuePair<string, string>>[] info = await admin.InfoAsync("replication");
        Assert.Equal("master", info.SelectMany(g => g).First(p => p.Key == "role").Value);
    }

    [Fact]
    public async Task WriteToAReplica_FailsWithReadOnly_AsAgainstRedis()
    {
        await using ServerProcess primary = ServerProcess.Start(_dir, "--port", "0", "--bind", "127.0.0.1", "--dir", _dir, "--dbfilename", "primary.rcs");
        Uri primaryAddress = await primary.WaitReadyAsync();
        await using ServerProcess replica = ServerProcess.Start(_dir, "--port", "0", "--bind", "127.0.0.1", "--dir", _dir, "--dbfilename", "replica.rcs",
            "--replicaof", $"127.0.0.1 {primaryAddress.Port}");
        Uri replicaAddress = await replica.WaitReadyAsync();

        await using ConnectionMultiplexer toPrimary = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{primaryAddress.Port}");
        await toPrimary.GetDatabase().StringSetAsync("k", "v");
        // Direct the client at the replica alone, as an app reading from a replica does.
        await using ConnectionMultiplexer toReplica = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{replicaAddress.Port},allowAdmin=true");
        IDatabase replicaDb = toReplica.GetDatabase();
        await Poll.UntilAsync(() => replicaDb.StringGet("k", CommandFlags.PreferReplica) == "v", "the write to reach the replica");
        RedisServerException error = await Assert.ThrowsAsync<RedisServerException>(
            () => replicaDb.ExecuteAsync("SET", "k", "other"));
        Assert.StartsWith("READONLY You can't write against a read only replica.", error.Message, StringComparison.Ordinal);
        Assert.True(toReplica.GetServer(toReplica.GetEndPoints()[0]).IsReplica);
    }
}
