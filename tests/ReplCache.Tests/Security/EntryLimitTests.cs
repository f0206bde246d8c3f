using System.Buffers;
using System.Text;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Options;
using ReplCache.Tests.Infrastructure;
using ReplCache.Tests.Resp;

namespace ReplCache.Tests.Security;

/// <summary>MaxKeyBytes and MaxValueBytes at the public API and the Redis-protocol endpoint.</summary>
public class EntryLimitTests
{
    private static readonly DistributedCacheEntryOptions NoExpiry = new();

    [Fact]
    public void Defaults_AreFiniteAndValidated()
    {
        var options = new ReplicatedCacheOptions();
        Assert.Equal(64 * 1024, options.MaxKeyBytes);
        Assert.Equal(64 * 1024 * 1024, options.MaxValueBytes);
        Assert.True(options.ProtectedMode);

        OptionsValidationException key = Assert.Throws<OptionsValidationException>(() =>
            ReplCache.Hosting.ReplicatedCacheOptionsValidator.ThrowIfInvalid(new ReplicatedCacheOptions { MaxKeyBytes = 0 }));
        Assert.Contains("ReplicatedCacheOptions.MaxKeyBytes", key.Message, StringComparison.Ordinal);
        OptionsValidationException value = Assert.Throws<OptionsValidationException>(() =>
            ReplCache.Hosting.ReplicatedCacheOptionsValidator.ThrowIfInvalid(new ReplicatedCacheOptions { MaxValueBytes = ReplicatedCacheOptions.MaxValueBytesCeiling + 1 }));
        Assert.Contains("ReplicatedCacheOptions.MaxValueBytes", value.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Set_ValueOverMaxValueBytes_ThrowsArgumentExceptionNamingTheLimit_AndStoresNothing()
    {
        await using ReplicatedCacheNode node = await Nodes.StartPrimaryAsync(o => o.MaxValueBytes = 1000);
        node.Cache.Set("fits", new byte[1000], NoExpiry);

        ArgumentException array = Assert.Throws<ArgumentException>(() => node.Cache.Set("big", new byte[1001], NoExpiry));
        Assert.Contains("MaxValueBytes", array.Message, StringComparison.Ordinal);
        Assert.Equal("value", array.ParamName);
        ArgumentException sequence = await Assert.ThrowsAsync<ArgumentException>(() =>
            node.Cache.SetAsync("big", new ReadOnlySequence<byte>(new byte[1001]), NoExpiry).AsTask());
        Assert.Contains("MaxValueBytes", sequence.Message, StringComparison.Ordinal);

        Assert.Null(node.Cache.Get("big"));
        Assert.Equal(1000, node.Cache.Get("fits")!.Length);
        Assert.Equal(1, node.Cache.Count);
    }

    [Fact]
    public async Task Set_KeyOverMaxKeyBytesInUtf8_ThrowsArgumentExceptionNamingTheLimit()
    {
        await using ReplicatedCacheNode node = await Nodes.StartPrimaryAsync(o => o.MaxKeyBytes = 30);
        node.Cache.Set(new string('k', 30), [1], NoExpiry);

        // Ten characters, thirty-one bytes: the limit is in UTF-8 bytes, not characters.
        string wide = new string('é', 15) + "x";
        Assert.Equal(31, Encoding.UTF8.GetByteCount(wide));
        ArgumentException ex = Assert.Throws<ArgumentException>(() => node.Cache.Set(wide, [1], NoExpiry));
        Assert.Contains("MaxKeyBytes", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => node.Cache.Set(wide, new ReadOnlySequence<byte>([1]), NoExpiry));
        Assert.Equal(1, node.Cache.Count);
    }

    [Fact]
    public async Task RespWrites_OverTheLimits_AnswerAnErrorNamingTheLimit_AndStoreNothing()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync(o =>
        {
            o.MaxKeyBytes = 16;
            o.MaxValueBytes = 100;
        });
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        string big = new('v', 101);
        string longKey = new('k', 17);
        string[][] refused =
        [
            ["SET", "a", big],
            ["SET", longKey, "v"],
            ["SETNX", "a", big],
            ["SETEX", "a", "100", big],
            ["PSETEX", "a", "100000", big],
            ["MSET", "a", "v", "b", big],
            ["MSET", longKey, "v"],
        ];
        foreach (string[] command in refused)
        {
            RespError error = Assert.IsType<RespError>(await client.CallAsync(command));
            Assert.StartsWith("ERR ", error.Message, StringComparison.Ordinal);
            Assert.Contains(command.Contains(longKey) ? "MaxKeyBytes" : "MaxValueBytes", error.Message, StringComparison.Ordinal);
        }

        Assert.Equal(0L, await client.CallAsync("DBSIZE"));
        Assert.Equal("OK", await client.CallAsync("SET", new string('k', 16), new string('v', 100)));
        Assert.Equal(1L, await client.CallAsync("DBSIZE"));
    }

    [Fact]
    public async Task RespBulk_FarOverTheLimits_IsAProtocolError_AndTheConnectionCloses()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync(o =>
        {
            o.MaxKeyBytes = 16;
            o.MaxValueBytes = 100;
        });
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        long limit = ReplCache.Resp.RespParser.BulkLimit(node.Core.Options);
        Assert.Equal(100 + 1024 * 1024, limit);

        // Only the header is sent: the node refuses the length without waiting for (or allocating) the bytes.
        await client.SendAsync($"*3\r\n$3\r\nSET\r\n$1\r\na\r\n${limit + 1}\r\n");
        Assert.Equal(new RespError("ERR Protocol error: invalid bulk length"), await client.ReadAsync());
        Assert.True(await client.IsClosedAsync());

        await using RespTestClient other = await RespTestClient.ConnectAsync(node);
        Assert.Equal("PONG", await other.CallAsync("PING"));
    }
}
