using System.Buffers;
using System.Text;
using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Storage;

/// <summary>What goes in comes out: empty values, case-sensitive keys, copies, odd keys, no-op removals.</summary>
public class ValueSemanticsTests
{
    private static readonly DistributedCacheEntryOptions None = new();

    [Fact]
    public async Task EmptyArray_RoundTripsAsEmptyNonNullArray()
    {
        await using var local = new LocalCache();
        local.Cache.Set("empty", [], None);
        byte[]? value = local.Cache.Get("empty");
        Assert.NotNull(value);
        Assert.Empty(value);
        var writer = new ArrayBufferWriter<byte>();
        Assert.True(local.Cache.TryGet("empty", writer));
        Assert.Equal(0, writer.WrittenCount);
    }

    [Fact]
    public async Task Keys_AreCaseSensitive()
    {
        await using var local = new LocalCache();
        local.Cache.SetString("Key", "upper");
        local.Cache.SetString("key", "lower");
        Assert.Equal("upper", local.Cache.GetString("Key"));
        Assert.Equal("lower", local.Cache.GetString("key"));
        Assert.Null(local.Cache.GetString("KEY"));
        Assert.Equal(2, local.Cache.Count);
    }

    [Fact]
    public async Task Set_OverwritesValue()
    {
        await using var local = new LocalCache();
        local.Cache.Set("k", [1, 2, 3], None);
        local.Cache.Set("k", [9], None);
        Assert.Equal(new byte[] { 9 }, local.Cache.Get("k"));
        Assert.Equal(1, local.Cache.Count);
    }

    [Fact]
    public async Task Get_ReturnsACopy_MutatingItLeavesTheCacheAlone()
    {
        await using var local = new LocalCache();
        byte[] original = [1, 2, 3];
        local.Cache.Set("k", original, None);
        original[0] = 42;
        byte[] first = local.Cache.Get("k")!;
        first[1] = 42;
        Assert.Equal(new byte[] { 1, 2, 3 }, local.Cache.Get("k"));
    }

    [Fact]
    public async Task RemoveAndRefreshOfMissingKeys_AreNoOps()
    {
        await using var local = new LocalCache();
        local.Cache.Remove("missing");
        local.Cache.Refresh("missing");
        await local.Cache.RemoveAsync("missing");
        await local.Cache.RefreshAsync("missing");
        Assert.Equal(0, local.Cache.Count);
        Assert.Equal(0, local.Node.ReplicationLog.EndOffset); // nothing was replicated for them either
    }

    [Fact]
    public async Task KeyWithALoneSurrogate_IsRefused_NotSilentlyChanged()
    {
        await using var local = new LocalCache();
        var error = Assert.Throws<ArgumentException>(() => local.Cache.Set("bad\ud800key", [1], None));
        Assert.Equal("key", error.ParamName);
        Assert.Throws<ArgumentException>(() => local.Cache.Set("bad\udc00key", [1], None));
        Assert.Equal(0, local.Cache.Count);
    }

    [Theory]
    [InlineData("ключ")]
    [InlineData("鍵🔑")]
    [InlineData("")]
    [InlineData(" spaced key\t\r\n")]
    public async Task UnicodeAndOddKeys_RoundTrip(string key)
    {
        await using var local = new LocalCache();
        local.Cache.SetString(key, "value");
        Assert.Equal("value", local.Cache.GetString(key));
        Assert.Equal(new[] { key }, local.Cache.GetKeys());
        local.Cache.Remove(key);
        Assert.Null(local.Cache.GetString(key));
    }

    [Fact]
    public async Task LongKeys_BeyondTheStackBuffer_Work()
    {
        await using var local = new LocalCache();
        string key = new('é', 2000); // 4000 UTF-8 bytes: encoded on the heap, not the stack
        local.Cache.Set(key, Encoding.UTF8.GetBytes("v"), None);
        Assert.Equal("v", local.Cache.GetString(key));
        Assert.Null(local.Cache.GetString(key[..^1]));
        local.Cache.Remove(key);
        Assert.Equal(0, local.Cache.Count);
    }

    [Fact]
    public async Task LargeValue_RoundTrips()
    {
        await using var local = new LocalCache();
        byte[] value = new byte[5 * 1024 * 1024];
        Random.Shared.NextBytes(value);
        local.Cache.Set("big", value, None);
        Assert.Equal(value, local.Cache.Get("big"));
    }
}
