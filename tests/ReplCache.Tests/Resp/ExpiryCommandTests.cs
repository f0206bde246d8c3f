using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Time.Testing;

namespace ReplCache.Tests.Resp;

/// <summary>EXPIRE, PEXPIRE, EXPIREAT, TTL, PTTL and PERSIST on a fake clock.</summary>
public class ExpiryCommandTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);

    [Fact]
    public async Task Ttl_IsMinusTwoForMissing_MinusOneForNoExpiry()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        Assert.Equal(-2L, await client.CallAsync("TTL", "missing"));
        Assert.Equal(-2L, await client.CallAsync("PTTL", "missing"));
        await client.CallAsync("SET", "k", "v");
        Assert.Equal(-1L, await client.CallAsync("TTL", "k"));
        Assert.Equal(-1L, await client.CallAsync("PTTL", "k"));
    }

    [Fact]
    public async Task Expire_SetsAnAbsoluteDeadline_ThatHidesTheKey()
    {
        var time = new FakeTimeProvider(Start);
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync(o => o.TimeProvider = time);
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        await client.CallAsync("SET", "k", "v");
        Assert.Equal(1L, await client.CallAsync("EXPIRE", "k", "10"));
        Assert.Equal(0L, await client.CallAsync("EXPIRE", "missing", "10"));
        Assert.Equal(10L, await client.CallAsync("TTL", "k"));
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(1_000L, await client.CallAsync("PTTL", "k"));
        Assert.Equal(1L, await client.CallAsync("PEXPIRE", "k", "5000"));
        Assert.Equal(5_000L, await client.CallAsync("PTTL", "k"));
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Null(await client.CallAsync("GET", "k"));
        Assert.Equal(-2L, await client.CallAsync("TTL", "k"));
    }

    [Theory]
    [InlineData("EXPIRE", "0")]
    [InlineData("EXPIRE", "-10")]
    [InlineData("PEXPIRE", "0")]
    [InlineData("EXPIREAT", "1")]
    public async Task Expire_NotInTheFuture_DeletesTheKey(string command, string when)
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        await client.CallAsync("SET", "k", "v");
        Assert.Equal(1L, await client.CallAsync(command, "k", when));
        Assert.Equal(0L, await client.CallAsync("EXISTS", "k"));
        Assert.Equal(0, node.Cache.Count);
    }

    [Fact]
    public async Task ExpireConditions_FollowRedis7()
    {
        var time = new FakeTimeProvider(Start);
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync(o => o.TimeProvider = time);
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        await client.CallAsync("SET", "k", "v");
        Assert.Equal(0L, await client.CallAsync("EXPIRE", "k", "100", "XX"));
        Assert.Equal(0L, await client.CallAsync("EXPIRE", "k", "100", "GT")); // no expiry counts as infinite
        Assert.Equal(1L, await client.CallAsync("EXPIRE", "k", "100", "LT"));
        Assert.Equal(0L, await client.CallAsync("EXPIRE", "k", "50", "NX"));
        Assert.Equal(0L, await client.CallAsync("EXPIRE", "k", "50", "GT"));
        Assert.Equal(1L, await client.CallAsync("EXPIRE", "k", "200", "GT"));
        Assert.Equal(1L, await client.CallAsync("EXPIRE", "k", "150", "XX", "LT"));
        Assert.Equal(150L, await client.CallAsync("TTL", "k"));
        Assert.Equal(new RespError("ERR NX and XX, GT or LT options at the same time are not compatible"), await client.CallAsync("EXPIRE", "k", "1", "NX", "GT"));
        Assert.Equal(new RespError("ERR GT and LT options at the same time are not compatible"), await client.CallAsync("EXPIRE", "k", "1", "GT", "LT"));
        Assert.Equal(new RespError("ERR Unsupported option XY"), await client.CallAsync("EXPIRE", "k", "1", "XY"));
        Assert.Equal(new RespError("ERR value is not an integer or out of range"), await client.CallAsync("EXPIRE", "k", "soon"));
        Assert.Equal(new RespError("ERR invalid expire time in 'expire' command"), await client.CallAsync("EXPIRE", "k", "9223372036854775807"));
    }

    [Fact]
    public async Task Persist_RemovesTheExpiry()
    {
        var time = new FakeTimeProvider(Start);
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync(o => o.TimeProvider = time);
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        await client.CallAsync("SET", "k", "v", "EX", "10");
        Assert.Equal(1L, await client.CallAsync("PERSIST", "k"));
        Assert.Equal(0L, await client.CallAsync("PERSIST", "k"));
        Assert.Equal(0L, await client.CallAsync("PERSIST", "missing"));
        time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal("v", await client.CallAsync("GET", "k"));
        Assert.Equal(-1L, await client.CallAsync("TTL", "k"));
    }

    [Fact]
    public async Task Ttl_OfASlidingEntry_IsTheTimeToItsCurrentDeadline_AndDoesNotRenewIt()
    {
        var time = new FakeTimeProvider(Start);
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync(o => o.TimeProvider = time);
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        node.Cache.SetString("s", "v", new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromSeconds(10), AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(60) });
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(6_000L, await client.CallAsync("PTTL", "s"));
        Assert.Equal(6_000L, await client.CallAsync("PTTL", "s"));
        Assert.Equal("v", await client.CallAsync("GET", "s")); // a read renews it, as the cache's Get does
        Assert.Equal(10_000L, await client.CallAsync("PTTL", "s"));
        Assert.Equal(1L, await client.CallAsync("EXPIRE", "s", "30")); // now absolute, no longer sliding
        time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal("v", await client.CallAsync("GET", "s"));
        Assert.Equal(10L, await client.CallAsync("TTL", "s"));
    }
}
