using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Time.Testing;
using ReplCache.Hosting;
using ReplCache.Replication;

namespace ReplCache.Tests.Replication;

/// <summary>Sliding renewals reach the log coalesced: a hot key read constantly writes about one Touch per lead.</summary>
public class TouchCoalescingTests
{
    [Fact]
    public async Task HotSlidingKey_ReadAHundredThousandTimes_WritesOneTouchPerLead()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var node = new NodeCore(new ReplicatedCacheOptions { TimeProvider = clock, HeartbeatInterval = TimeSpan.FromSeconds(1) });
        node.Cache.SetString("hot", "v", new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(1) });
        long afterSet = node.ReplicationLog.EndOffset;

        // 100k reads spread over 10 s of (fake) time: 1 ms per 10 reads.
        for (int i = 0; i < 100_000; i++)
        {
            Assert.NotNull(node.Cache.Get("hot"));
            if (i % 10 == 0)
            {
                clock.Advance(TimeSpan.FromMilliseconds(1));
            }
        }

        long touchBytes = node.ReplicationLog.EndOffset - afterSet;
        int oneTouch = TouchRecordLength(node);
        long touches = touchBytes / oneTouch;
        Assert.Equal(0, touchBytes % oneTouch);
        Assert.InRange(touches, 5, 12); // ~10 s of reads with a 1 s lead: about ten, never one per read
    }

    [Fact]
    public async Task LoggedDeadline_AlwaysRunsAheadOfThePrimarysOwn()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var node = new NodeCore(new ReplicatedCacheOptions { TimeProvider = clock, HeartbeatInterval = TimeSpan.FromSeconds(1) });
        node.Cache.SetString("hot", "v", new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromSeconds(30) });
        for (int i = 0; i < 2_000; i++)
        {
            node.Cache.Get("hot");
            clock.Advance(TimeSpan.FromMilliseconds(7));
            (long own, long logged) = node.Store.SlidingDeadlinesOf("hot"u8)!.Value;
            Assert.True(
                logged >= own,
                "what secondaries were told must never be earlier than the primary's own deadline");
        }
    }

    private static int TouchRecordLength(NodeCore node)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        ReplCache.Backlog.LogRecordWriter.WriteTouch(buffer, "hot"u8, node.Store.Clock.NowMs() + 60_000);
        return buffer.WrittenCount;
    }
}
