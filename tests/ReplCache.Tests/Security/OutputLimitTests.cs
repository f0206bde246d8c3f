using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Security;

/// <summary>A secondary that never reads cannot make its primary hold more than the output limit of unsent stream.</summary>
[Collection(HeavyCollection.Name)]
public class OutputLimitTests
{
    [Fact]
    public async Task NeverReadingSecondary_WritesTenTimesTheLimit_MemoryStaysBounded_AndItIsDropped()
    {
        const long outputLimit = 4L * 1024 * 1024;
        const long backlog = 1L * 1024 * 1024;
        const int segment = 1024 * 1024;
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync(o =>
        {
            o.BacklogSizeBytes = backlog;
            o.ReplicaOutputLimitBytes = outputLimit;
        });
        await using var proxy = new TcpFaultProxy(primary.Address);
        await using ReplicatedCacheNode stalled = await Nodes.StartSecondaryAsync(proxy.Address);
        await Nodes.WaitInSyncAsync(primary, stalled);
        string stalledId = stalled.Replication.GetInfo().NodeId;

        GC.Collect();
        GC.WaitForPendingFinalizers();
        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);

        // Stop reading: from here on the primary's sender is blocked on HTTP/2 flow control, its cursor stays put,
        // and every byte written is a byte it would have to keep for that secondary.
        proxy.Stall();
        byte[] value = new byte[4096];
        long written = 0, retainedMax = 0;
        for (int i = 0; written < 10 * outputLimit; i++)
        {
            value[0] = (byte)i;
            primary.Cache.Set($"k{i % 256}", value, new DistributedCacheEntryOptions()); // 1 MiB of data, rewritten over and over
            written += value.Length;
            if (i % 64 == 0)
            {
                retainedMax = Math.Max(retainedMax, primary.Core.ReplicationLog.RetainedBytes);
            }
        }

        await Poll.UntilAsync(() => primary.Replication.GetInfo().Replicas.All(r => r.NodeId != stalledId), "the stalled secondary to be dropped");

        // The log's own figure: never more than the backlog plus the output limit, plus the segments in flight.
        Assert.InRange(retainedMax, 0, backlog + outputLimit + 4 * segment);
        Assert.InRange(primary.Core.ReplicationLog.RetainedBytes, 0, backlog + outputLimit + 4 * segment);

        // And the heap: 40 MB written, but what stays is the 1 MiB of data, the bounded log, and a margin for the
        // runtime (gRPC buffers, Kestrel's response buffer of the stalled stream, allocator slack).
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long grown = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;
        Assert.True(grown < backlog + outputLimit + 24L * 1024 * 1024, $"the heap grew by {grown / 1024 / 1024} MiB after writing {written / 1024 / 1024} MiB past a stalled secondary");

        proxy.Resume();
        await Nodes.WaitInSyncAsync(primary, stalled);
        Assert.Equal(primary.Cache.GetDigest(), stalled.Cache.GetDigest());
    }
}
