using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Time.Testing;

namespace ReplCache.Tests.Resp;

/// <summary>DEL, EXISTS, KEYS, DBSIZE, FLUSHALL; RESP and IDistributedCache see the same keys.</summary>
public class KeyCommandTests
{
    [Fact]
    public async Task DelAndExists_CountKeysAsRedis()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        await client.CallAsync("SET", "a", "1");
        await client.CallAsync("SET", "b", "2");
        Assert.Equal(3L, await client.CallAsync("EXISTS", "a", "b", "a", "missing"));
        Assert.Equal(2L, await client.CallAsync("DEL", "a", "b", "missing"));
        Assert.Equal(0L, await client.CallAsync("DEL", "a"));
        Assert.Equal(0L, await client.CallAsync("EXISTS", "a", "b"));
    }

    [Fact]
    public async Task Del_OfAnExpiredKey_CountsZero()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync(o => o.TimeProvider = time);
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        await client.CallAsync("SET", "k", "v", "PX", "100");
        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(0L, await client.CallAsync("DEL", "k"));
    }

    [Fact]
    public async Task RespAndTheCache_ShareKeysAndValues()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        node.Cache.SetString("from-cache", "x");
        Assert.Equal("x", await client.CallAsync("GET", "from-cache"));
        await client.CallAsync("SET", "from-resp", "y");
        Assert.Equal("y", node.Cache.GetString("from-resp"));
    }

    [Fact]
    public async Task KeysAndDbSize_SeeLiveKeys()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        foreach (string key in new[] { "user:1", "user:2", "order:1" })
        {
            await client.CallAsync("SET", key, "v");
        }

        object?[] users = Assert.IsType<object?[]>(await client.CallAsync("KEYS", "user:*"));
        Assert.Equal(["user:1", "user:2"], users.Cast<string>().Order());
        Assert.Equal(3, Assert.IsType<object?[]>(await client.CallAsync("KEYS", "*")).Length);
        Assert.Empty(Assert.IsType<object?[]>(await client.CallAsync("KEYS", "nothing*")));
        Assert.Equal(3L, await client.CallAsync("DBSIZE"));
    }

    [Fact]
    public async Task FlushAll_EmptiesTheStore_AndChecksItsArgument()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        await client.CallAsync("SET", "a", "1");
        Assert.Equal(new RespError("ERR syntax error"), await client.CallAsync("FLUSHALL", "LATER"));
        Assert.Equal(1L, await client.CallAsync("DBSIZE"));
        Assert.Equal("OK", await client.CallAsync("FLUSHALL", "ASYNC"));
        Assert.Equal(0L, await client.CallAsync("DBSIZE"));
        await client.CallAsync("SET", "b", "1");
        Assert.Equal("OK", await client.CallAsync("FLUSHALL"));
        Assert.Equal(0, node.Cache.Count);
    }
}
