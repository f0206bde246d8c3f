using Microsoft.Extensions.Time.Testing;

namespace ReplCache.Tests.Resp;

/// <summary>SETNX, SETEX, PSETEX, MGET, MSET and UNLINK: older or multi-key commands clients still send.</summary>
public class LegacyStringCommandTests
{
    [Fact]
    public async Task SetNx_StoresOnlyAbsentKeys()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        Assert.Equal(1L, await client.CallAsync("SETNX", "k", "first"));
        Assert.Equal(0L, await client.CallAsync("SETNX", "k", "second"));
        Assert.Equal("first", await client.CallAsync("GET", "k"));
        Assert.Equal("ERR wrong number of arguments for 'setnx' command", Assert.IsType<RespError>(await client.CallAsync("SETNX", "k")).Message);
    }

    [Fact]
    public async Task SetExAndPSetEx_SetValueAndDeadline()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync(o => o.TimeProvider = time);
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        Assert.Equal("OK", await client.CallAsync("SETEX", "s", "10", "v"));
        Assert.Equal("OK", await client.CallAsync("PSETEX", "p", "1500", "v"));
        Assert.Equal(10_000L, await client.CallAsync("PTTL", "s"));
        Assert.Equal(1_500L, await client.CallAsync("PTTL", "p"));
        Assert.Equal("ERR invalid expire time in 'setex' command", Assert.IsType<RespError>(await client.CallAsync("SETEX", "s", "0", "v")).Message);
        Assert.Equal("ERR invalid expire time in 'psetex' command", Assert.IsType<RespError>(await client.CallAsync("PSETEX", "p", "-1", "v")).Message);

        time.Advance(TimeSpan.FromMilliseconds(1_500));
        Assert.Null(await client.CallAsync("GET", "p"));
        Assert.Equal("v", await client.CallAsync("GET", "s"));
    }

    [Fact]
    public async Task MSetThenMGet_RoundTripInOrder_WithNilForMissingKeys()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        Assert.Equal("OK", await client.CallAsync("MSET", "a", "1", "b", "2"));
        object?[] values = Assert.IsType<object?[]>(await client.CallAsync("MGET", "a", "missing", "b"));
        Assert.Equal(["1", null, "2"], values);
        Assert.Equal("ERR wrong number of arguments for 'mset' command", Assert.IsType<RespError>(await client.CallAsync("MSET", "a", "1", "b")).Message);
        Assert.Equal("1", await client.CallAsync("GET", "a"));
    }

    [Fact]
    public async Task Unlink_DeletesLikeDel()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        await client.CallAsync("MSET", "a", "1", "b", "2");
        Assert.Equal(2L, await client.CallAsync("UNLINK", "a", "b", "c"));
        Assert.Equal(0L, await client.CallAsync("EXISTS", "a", "b"));
    }

    [Fact]
    public async Task LegacyWrites_OnASecondary_AreReadOnly()
    {
        await using ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync();
        await using ReplicatedCacheNode secondary = await RespNodes.StartSecondaryAsync(primary.Address);
        await using RespTestClient client = await RespTestClient.ConnectAsync(secondary);
        foreach (string[] write in new[] { new[] { "SETNX", "k", "v" }, ["SETEX", "k", "10", "v"], ["PSETEX", "k", "10", "v"], ["MSET", "k", "v"], ["UNLINK", "k"] })
        {
            Assert.StartsWith("READONLY", Assert.IsType<RespError>(await client.CallAsync(write)).Message, StringComparison.Ordinal);
        }
    }
}
