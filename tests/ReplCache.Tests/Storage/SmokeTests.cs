using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Hosting;
using ReplCache.Replication;

namespace ReplCache.Tests.Storage;

public class SmokeTests
{
    [Fact]
    public async Task SetThenGet_ReturnsTheValue()
    {
        await using var controller = new NodeCore(new ReplicatedCacheOptions());
        ReplicatedCache cache = controller.Cache;
        cache.Set("a", [1, 2, 3], new DistributedCacheEntryOptions());
        Assert.Equal(new byte[] { 1, 2, 3 }, cache.Get("a"));
        Assert.Null(cache.Get("b"));
        Assert.Equal(1, cache.Count);
        for (int i = 0; i < 10_000; i++)
        {
            cache.Set($"k{i}", BitConverter.GetBytes(i), new DistributedCacheEntryOptions());
        }

        for (int i = 0; i < 10_000; i += 2)
        {
            cache.Remove($"k{i}");
        }

        Assert.Equal(5001, cache.Count);
        Assert.Equal(BitConverter.GetBytes(9999), cache.Get("k9999"));
        Assert.Null(cache.Get("k9998"));
        Assert.Equal(5000, cache.GetKeys("k*").Count());
    }
}
