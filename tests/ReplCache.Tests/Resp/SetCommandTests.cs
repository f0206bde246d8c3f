using Microsoft.Extensions.Time.Testing;

namespace ReplCache.Tests.Resp;

/// <summary>SET's options, each alone and in the combinations Redis allows or refuses.</summary>
public class SetCommandTests
{
    public static TheoryData<string[], bool, object?, string?> Matrix => new()
    {
        // options, key exists before, reply, value after
        { [], false, "OK", "new" },
        { [], true, "OK", "new" },
        { ["NX"], false, "OK", "new" },
        { ["NX"], true, null, "old" },
        { ["XX"], false, null, null },
        { ["XX"], true, "OK", "new" },
        { ["GET"], false, null, "new" },
        { ["GET"], true, "old", "new" },
        { ["NX", "GET"], true, "old", "old" },
        { ["NX", "GET"], false, null, "new" },
        { ["XX", "GET"], true, "old", "new" },
        { ["XX", "GET"], false, null, null },
        { ["nx", "nx"], false, "OK", "new" },
        { ["EX", "100", "NX"], false, "OK", "new" },
        { ["PX", "100000", "XX", "GET"], true, "old", "new" },
        { ["KEEPTTL", "XX"], true, "OK", "new" },
    };

    public static TheoryData<string[], string> Refused => new()
    {
        { ["NX", "XX"], "ERR syntax error" },
        { ["XX", "NX"], "ERR syntax error" },
        { ["EX", "10", "PX", "100"], "ERR syntax error" },
        { ["EX", "10", "KEEPTTL"], "ERR syntax error" },
        { ["KEEPTTL", "EXAT", "10"], "ERR syntax error" },
        { ["EX"], "ERR syntax error" },
        { ["BOGUS"], "ERR syntax error" },
        { ["EX", "0"], "ERR invalid expire time in 'set' command" },
        { ["PX", "-5"], "ERR invalid expire time in 'set' command" },
        { ["EX", "9223372036854775"], "ERR invalid expire time in 'set' command" },
        { ["EXAT", "0"], "ERR invalid expire time in 'set' command" },
        { ["EX", "ten"], "ERR value is not an integer or out of range" },
    };

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Set_WithOptions_RepliesAndStoresAsRedis(string[] options, bool exists, object? reply, string? after)
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        if (exists)
        {
            Assert.Equal("OK", await client.CallAsync("SET", "k", "old"));
        }

        Assert.Equal(reply, await client.CallAsync(["SET", "k", "new", .. options]));
        Assert.Equal(after, await client.CallAsync("GET", "k"));
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Set_WithInvalidOptions_IsRefused_AndChangesNothing(string[] options, string error)
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        Assert.Equal(new RespError(error), await client.CallAsync(["SET", "k", "new", .. options]));
        Assert.Null(await client.CallAsync("GET", "k"));
    }

    [Fact]
    public async Task Set_ExpiryOptions_SetAbsoluteDeadlines()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync(o => o.TimeProvider = time);
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        Assert.Equal("OK", await client.CallAsync("SET", "ex", "v", "EX", "10"));
        Assert.Equal("OK", await client.CallAsync("SET", "px", "v", "PX", "2500"));
        Assert.Equal("OK", await client.CallAsync("SET", "exat", "v", "EXAT", ((now / 1000) + 30).ToString()));
        Assert.Equal("OK", await client.CallAsync("SET", "pxat", "v", "PXAT", (now + 40_000).ToString()));
        Assert.Equal(10_000L, await client.CallAsync("PTTL", "ex"));
        Assert.Equal(2_500L, await client.CallAsync("PTTL", "px"));
        Assert.Equal(30L, await client.CallAsync("TTL", "exat"));
        Assert.Equal(40_000L, await client.CallAsync("PTTL", "pxat"));

        time.Advance(TimeSpan.FromMilliseconds(2_500));
        Assert.Null(await client.CallAsync("GET", "px"));
        Assert.Equal("v", await client.CallAsync("GET", "ex"));
        Assert.Equal(8L, await client.CallAsync("TTL", "ex")); // 7.5 s rounds to 8, as Redis rounds
    }

    [Fact]
    public async Task Set_ReplacesTheExpiry_UnlessKeepTtl()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync(o => o.TimeProvider = time);
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        Assert.Equal("OK", await client.CallAsync("SET", "k", "a", "EX", "100"));
        Assert.Equal("OK", await client.CallAsync("SET", "k", "b", "KEEPTTL"));
        Assert.Equal(100L, await client.CallAsync("TTL", "k"));
        Assert.Equal("OK", await client.CallAsync("SET", "k", "c"));
        Assert.Equal(-1L, await client.CallAsync("TTL", "k"));
        Assert.Equal("OK", await client.CallAsync("SET", "fresh", "x", "KEEPTTL"));
        Assert.Equal(-1L, await client.CallAsync("TTL", "fresh"));
    }

    [Fact]
    public async Task Set_NxOnAnExpiredKey_TreatsItAsAbsent()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync(o => o.TimeProvider = time);
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        Assert.Equal("OK", await client.CallAsync("SET", "k", "old", "PX", "10"));
        time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Null(await client.CallAsync("SET", "k", "new", "NX", "GET"));
        Assert.Equal("new", await client.CallAsync("GET", "k"));
    }

    [Fact]
    public async Task ConcurrentSetNx_ExactlyOneWins()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        for (int round = 0; round < 20; round++)
        {
            RespTestClient[] clients = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => RespTestClient.ConnectAsync(node)));
            try
            {
                object?[] replies = await Task.WhenAll(clients.Select((c, i) => c.CallAsync("SET", $"lock{round}", $"owner{i}", "NX")));
                Assert.Equal(1, replies.Count(r => r is "OK"));
                Assert.Equal(7, replies.Count(r => r is null));
            }
            finally
            {
                foreach (RespTestClient c in clients)
                {
                    await c.DisposeAsync();
                }
            }
        }
    }
}
