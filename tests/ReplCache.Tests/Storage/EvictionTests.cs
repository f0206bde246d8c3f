using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Storage;

/// <summary>SizeLimitBytes: approximated LRU keeps the store under its bound.</summary>
public class EvictionTests
{
    private static readonly DistributedCacheEntryOptions None = new();

    [Fact]
    public async Task StoreStaysUnderTheBound_AfterEveryWrite()
    {
        const long limit = 100_000;
        await using var local = new LocalCache(o => o.SizeLimitBytes = limit);
        byte[] value = new byte[500];
        for (int i = 0; i < 2000; i++)
        {
            local.Cache.Set($"k{i}", value, None);
            Assert.InRange(local.Node.Store.SizeBytes, 0, limit);
        }

        Assert.InRange(local.Cache.Count, 100, 200);
        Assert.NotNull(local.Cache.Get("k1999")); // the newest write is never its own victim
    }

    [Fact]
    public async Task RecentlyReadEntries_SurviveEviction_MostOfTheTime()
    {
        await using var local = new LocalCache(o => o.SizeLimitBytes = 200 * (1000 + 200));
        byte[] value = new byte[1000];
        for (int i = 0; i < 180; i++)
        {
            local.Cache.Set($"k{i}", value, None);
        }

        Assert.Equal(180, local.Cache.Count);
        local.Clock.Advance(TimeSpan.FromMilliseconds(500)); // the coarse access clock ticks every 100 ms
        for (int i = 0; i < 90; i++)
        {
            local.Cache.Get($"k{i}"); // the hot half
        }

        local.Clock.Advance(TimeSpan.FromMilliseconds(500));
        for (int i = 0; i < 90; i++)
        {
            local.Cache.Set($"new{i}", value, None);
        }

        int hotEvicted = Enumerable.Range(0, 90).Count(i => local.Cache.Get($"k{i}") is null);
        int coldEvicted = Enumerable.Range(90, 90).Count(i => local.Cache.Get($"k{i}") is null);
        Assert.True(coldEvicted + hotEvicted >= 40, $"evicted {coldEvicted + hotEvicted}"); // 270 entries of ~1.13 KB into 240 KB
        Assert.True(coldEvicted >= 9 * hotEvicted, $"cold evicted {coldEvicted}, hot evicted {hotEvicted}");
    }

    [Fact]
    public async Task EntryLargerThanTheWholeBound_IsRefused_AndEvictsNothing()
    {
        await using var local = new LocalCache(o => o.SizeLimitBytes = 10_000);
        local.Cache.Set("small", new byte[100], None);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => local.Cache.Set("huge", new byte[20_000], None));
        Assert.Contains("SizeLimitBytes", error.Message);
        Assert.NotNull(local.Cache.Get("small"));
        Assert.Null(local.Cache.Get("huge"));
    }

    [Fact]
    public async Task Evictions_AreLoggedAsRemovals()
    {
        await using var local = new LocalCache(o => o.SizeLimitBytes = 5_000);
        using ReplCache.Backlog.LogCursor cursor = local.Node.ReplicationLog.OpenCursorAtEnd(); // pins the log from 0: a node with no secondary keeps no backlog
        for (int i = 0; i < 100; i++)
        {
            local.Cache.Set($"k{i}", new byte[200], None);
        }

        // Replaying the log into an empty store gives the same content: evictions were written to it.
        var replica = new ReplCache.Storage.CacheStore(TimeProvider.System, null);
        replica.Follow();
        var log = new ReplCache.Backlog.ReplicationLog(ReplicatedCacheOptions.DefaultBacklogSizeBytes, 1 << 30);
        var applier = new ReplCache.Replication.Secondary.StreamApplier(replica, log, new ReplCache.Replication.AppliedKeys());
        byte[] bytes = new byte[local.Node.ReplicationLog.EndOffset];
        Assert.Equal(bytes.Length, cursor.Read(bytes));
        applier.ApplyRecords(0, bytes);
        Assert.Equal(local.Cache.Count, replica.CountLive());
        Assert.Equal(local.Node.Store.ComputeDigest(), replica.ComputeDigest());
    }
}
