using System.Buffers;
using System.Text;
using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Forwarding;

/// <summary>Writes on a forwarding secondary land on the primary and are visible on the writer right away.</summary>
public class ReadYourWritesTests
{
    [Fact]
    public async Task SetAsync_ThenGetOnTheSameSecondary_SeesTheWrite_FromManyConcurrentWriters()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        await using ReplicatedCacheNode writer = await ForwardingNodes.StartForwardingSecondaryAsync(primary.Address);
        await using ReplicatedCacheNode other = await Nodes.StartSecondaryAsync(primary.Address);
        await ForwardingNodes.WaitUpAsync(writer, other);

        const int Tasks = 8, PerTask = 250;
        await Task.WhenAll(Enumerable.Range(0, Tasks).Select(t => Task.Run(async () =>
        {
            for (int i = 0; i < PerTask; i++)
            {
                string key = $"k{i % 20}:{t}"; // keys rewritten over and over: a stale read would show the previous value
                string value = $"v{t}:{i}";
                await writer.Cache.SetStringAsync(key, value);
                Assert.Equal(value, writer.Cache.GetString(key));
            }
        })));

        await Nodes.WaitInSyncAsync(primary, writer, other);
        Assert.Equal(Tasks * 20, primary.Cache.Count);
        Assert.Equal($"v3:{PerTask - 1}", primary.Cache.GetString($"k{(PerTask - 1) % 20}:3"));
        Assert.Equal(primary.Cache.GetDigest(), writer.Cache.GetDigest());
        Assert.Equal(primary.Cache.GetDigest(), other.Cache.GetDigest());
    }

    [Fact]
    public async Task SyncSetAndRemove_ReadYourWrites_AndEveryNodeAgrees()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        await using ReplicatedCacheNode writer = await ForwardingNodes.StartForwardingSecondaryAsync(primary.Address);
        await using ReplicatedCacheNode other = await Nodes.StartSecondaryAsync(primary.Address);
        await ForwardingNodes.WaitUpAsync(writer, other);

        for (int i = 0; i < 200; i++)
        {
            writer.Cache.SetString("sync", $"v{i}");
            Assert.Equal($"v{i}", writer.Cache.GetString("sync"));
            writer.Cache.Remove("sync");
            Assert.Null(writer.Cache.Get("sync"));
        }

        writer.Cache.SetString("kept", "1");
        await writer.Cache.SetStringAsync("removed", "2");
        await writer.Cache.RemoveAsync("removed");
        Assert.Null(writer.Cache.Get("removed"));

        await Nodes.WaitInSyncAsync(primary, writer, other);
        foreach (ReplicatedCacheNode node in new[] { primary, writer, other })
        {
            Assert.Equal("1", node.Cache.GetString("kept"));
            Assert.Null(node.Cache.Get("removed"));
            Assert.Null(node.Cache.Get("sync"));
        }
    }

    [Fact]
    public async Task Expiry_IsComputedOnThePrimary_AndSlidingEntriesRefreshLocally()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        await using ReplicatedCacheNode writer = await ForwardingNodes.StartForwardingSecondaryAsync(primary.Address);
        await ForwardingNodes.WaitUpAsync(writer);

        await writer.Cache.SetStringAsync("relative", "r", new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(5) });
        await writer.Cache.SetStringAsync("absolute", "a", new DistributedCacheEntryOptions { AbsoluteExpiration = DateTimeOffset.UtcNow.AddHours(1) });
        await writer.Cache.SetStringAsync("sliding", "s", new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(1) });
        await writer.Cache.RefreshAsync("sliding"); // local renewal, no round trip
        writer.Cache.Refresh("sliding");

        // The digest covers expiry settings: equal means the writer holds the deadlines the primary computed.
        await Nodes.WaitInSyncAsync(primary, writer);
        Assert.Equal(primary.Cache.GetDigest(), writer.Cache.GetDigest());
        long primaryTtl = primary.Core.Store.TimeToLiveMs(Encoding.UTF8.GetBytes("relative"));
        // Deadlines round up to the next millisecond (never early) and the TTL is read against a whole-millisecond
        // clock, so a fresh 5-minute entry can show 5 min + 1 ms.
        Assert.InRange(primaryTtl, TimeSpan.FromMinutes(4).TotalMilliseconds, TimeSpan.FromMinutes(5).TotalMilliseconds + 1);
        Assert.Equal("s", writer.Cache.GetString("sliding"));
    }

    [Fact]
    public async Task BufferSetAsync_IsForwarded()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        await using ReplicatedCacheNode writer = await ForwardingNodes.StartForwardingSecondaryAsync(primary.Address);
        await ForwardingNodes.WaitUpAsync(writer);

        byte[] value = Enumerable.Range(0, 100_000).Select(i => (byte)i).ToArray();
        await writer.Cache.SetAsync("buffer", new ReadOnlySequence<byte>(value), new DistributedCacheEntryOptions());
        Assert.Equal(value, writer.Cache.Get("buffer"));
        writer.Cache.Set("buffer2", new ReadOnlySequence<byte>(value, 0, 10), new DistributedCacheEntryOptions());
        Assert.Equal(value[..10], writer.Cache.Get("buffer2"));
        await Poll.UntilAsync(() => primary.Cache.Get("buffer2") is not null, "the primary to hold the write");
        Assert.Equal(value, primary.Cache.Get("buffer"));
    }
}
