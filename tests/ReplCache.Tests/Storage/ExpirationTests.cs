using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Storage;

/// <summary>Absolute, relative and sliding expiry on a fake clock, to the millisecond.</summary>
public class ExpirationTests
{
    [Fact]
    public async Task RelativeExpiration_SubSecond_IsHonouredToTheMillisecond()
    {
        await using var local = new LocalCache();
        local.Cache.SetString("k", "v", new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMilliseconds(250) });
        local.Clock.Advance(TimeSpan.FromMilliseconds(249));
        Assert.Equal("v", local.Cache.GetString("k"));
        local.Clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(local.Cache.GetString("k"));
    }

    [Fact]
    public async Task AbsoluteExpiration_ExpiresAtThatMoment()
    {
        await using var local = new LocalCache();
        DateTimeOffset at = local.Clock.GetUtcNow().AddSeconds(10);
        local.Cache.SetString("k", "v", new DistributedCacheEntryOptions { AbsoluteExpiration = at });
        local.Clock.Advance(TimeSpan.FromMilliseconds(9_999));
        Assert.Equal("v", local.Cache.GetString("k"));
        local.Clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(local.Cache.GetString("k"));
    }

    [Fact]
    public async Task SubMillisecondExpiration_RoundsUp_NeverExpiresEarly()
    {
        await using var local = new LocalCache();
        local.Cache.SetString("k", "v", new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromTicks(5_000) });
        Assert.Equal("v", local.Cache.GetString("k"));
        local.Clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(local.Cache.GetString("k"));
    }

    [Fact]
    public async Task RelativeWinsOverAbsolute_WhenBothAreSet()
    {
        await using var local = new LocalCache();
        local.Cache.SetString("k", "v", new DistributedCacheEntryOptions
        {
            AbsoluteExpiration = local.Clock.GetUtcNow().AddHours(1),
            AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(5),
        });
        local.Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Null(local.Cache.GetString("k"));
    }

    [Fact]
    public async Task Sliding_RenewedByGet_ExpiresWhenNotRead()
    {
        await using var local = new LocalCache();
        local.Cache.SetString("k", "v", new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMilliseconds(300) });
        local.Clock.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Equal("v", local.Cache.GetString("k")); // renews to +500 ms
        local.Clock.Advance(TimeSpan.FromMilliseconds(299));
        Assert.Equal("v", local.Cache.GetString("k")); // at +499: renews to +799
        local.Clock.Advance(TimeSpan.FromMilliseconds(300));
        Assert.Null(local.Cache.GetString("k"));
    }

    [Fact]
    public async Task Sliding_RenewedByRefresh()
    {
        await using var local = new LocalCache();
        local.Cache.SetString("k", "v", new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromSeconds(1) });
        for (int i = 0; i < 10; i++)
        {
            local.Clock.Advance(TimeSpan.FromMilliseconds(900));
            await local.Cache.RefreshAsync("k");
        }

        Assert.Equal("v", local.Cache.GetString("k"));
        local.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(local.Cache.GetString("k"));
    }

    [Fact]
    public async Task SlidingWithAbsolute_NeverRenewsBeyondTheAbsolute()
    {
        await using var local = new LocalCache();
        local.Cache.SetString("k", "v", new DistributedCacheEntryOptions
        {
            SlidingExpiration = TimeSpan.FromSeconds(2),
            AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(5),
        });
        for (int i = 0; i < 4; i++)
        {
            local.Clock.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal("v", local.Cache.GetString("k"));
        }

        local.Clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal("v", local.Cache.GetString("k")); // 4.999 s
        local.Clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(local.Cache.GetString("k")); // 5 s: the absolute cap, although read 1 ms ago
    }

    [Fact]
    public async Task SetOverwritesExpiry_BothWays()
    {
        await using var local = new LocalCache();
        local.Cache.SetString("a", "1", new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(1) });
        local.Cache.SetString("a", "2");
        local.Cache.SetString("b", "1");
        local.Cache.SetString("b", "2", new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(1) });
        local.Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal("2", local.Cache.GetString("a"));
        Assert.Null(local.Cache.GetString("b"));
    }

    [Fact]
    public async Task ExpiredEntries_AreInvisibleToCountAndKeys_AtOnce()
    {
        await using var local = new LocalCache();
        for (int i = 0; i < 100; i++)
        {
            local.Cache.SetString($"short{i}", "x", new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(1) });
            local.Cache.SetString($"long{i}", "x");
        }

        Assert.Equal(200, local.Cache.Count);
        local.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(100, local.Cache.Count);
        Assert.All(local.Cache.GetKeys(), k => Assert.StartsWith("long", k));
        Assert.Empty(local.Cache.GetKeys("short*"));
    }

    [Fact]
    public async Task ActiveSweep_ReclaimsEntriesNobodyReadsAgain()
    {
        await using var local = new LocalCache();
        for (int i = 0; i < 5000; i++)
        {
            local.Cache.SetString($"short{i}", "x", new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(1) });
            local.Cache.SetString($"long{i}", "x");
        }

        Assert.Equal(10_000, local.Node.Store.PhysicalCount);
        local.Clock.Advance(TimeSpan.FromSeconds(1));

        // Only the housekeeping timer (100 ms of the fake clock per tick) may reclaim them: nothing reads them.
        for (int tick = 0; tick < 100 && local.Node.Store.PhysicalCount > 5000; tick++)
        {
            local.Clock.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.Equal(5000, local.Node.Store.PhysicalCount);
        Assert.Equal(5000, local.Cache.Count);
        Assert.Equal(5000, local.Cache.GetKeys("long*").Count());
    }

    [Fact]
    public async Task ActiveSweep_RemovalsGoThroughTheLog()
    {
        await using var local = new LocalCache();
        local.Cache.SetString("k", "v", new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(1) });
        long afterSet = local.Node.ReplicationLog.EndOffset;
        local.Clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(0, local.Node.Store.PhysicalCount);
        Assert.True(local.Node.ReplicationLog.EndOffset > afterSet, "the expiry must be logged as a removal for secondaries");
    }
}
