using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Protocol;
using ReplCache.Tests.Infrastructure;
using static ReplCache.Tests.RedisPorts.Replicas;

namespace ReplCache.Tests.RedisPorts;

/// <summary>
/// Redis's tests/integration/replication-buffer.tcl. "Partial resynchronization is successful even
/// client-output-buffer-limit is less than repl-backlog-size": a secondary that resyncs partially may be as far
/// behind as the backlog holds, and it must not then be dropped for it — Redis ignores a replica output-buffer limit
/// below repl-backlog-size (checkClientOutputBufferLimits), since such a replica only shares the backlog's memory.
/// "The update of replBufBlock's repl_offset is ok": a PSYNC at exactly the backlog's first byte.
/// </summary>
public sealed class ReplicationBufferTests
{
    private const int BacklogBytes = 16 * 1024;
    private const int SegmentBytes = 1 << 20;

    /// <summary>
    /// Redis #11666 (fixed in #11905): once the backlog had been trimmed inside a shared buffer block, that block's
    /// offset was wrong, and a plain client's <c>PSYNC replid first_byte_offset</c> crashed the master. The same edge
    /// here: a 16 KiB backlog over a log of several 1 MiB segments, the oldest ones released, the backlog's first byte
    /// in one segment and its end in the next. A hand-made handshake asking to continue at exactly that first byte
    /// must be answered with a partial resync streaming exactly the bytes a reader that never left got from there;
    /// one byte before it, with a full resync; at the end, with a partial resync of nothing but what comes next. The
    /// primary serves its real secondary throughout.
    /// </summary>
    /// <remarks>
    /// INFO's <c>repl_backlog_first_byte_offset</c> counts from 1 as Redis's does, and Redis's PSYNC offset is that
    /// first byte's number; Hello's next_offset counts from 0 (the log's <c>n</c> bytes applied ask for <c>n</c>). So
    /// Redis's <c>psync $replid $offset</c> is next_offset = first_byte_offset - 1: one off either way is a full sync
    /// refused wrongly, or a partial one that starts one byte too early.
    /// </remarks>
    [Theory]
    [InlineData("first-byte")]
    [InlineData("one-byte-before")]
    [InlineData("end")]
    public async Task TheUpdateOfReplBufBlocksReplOffsetIsOk_RegressionTestFor11666(string at)
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync(o => o.BacklogSizeBytes = BacklogBytes);
        await using ReplicatedCacheNode replica = await Nodes.StartSecondaryAsync(primary.Address);
        await Nodes.WaitInSyncAsync(primary, replica);
        ReplicationInfo start = primary.Replication.GetInfo();

        // A reader that continues from the end before anything is written, and so gets every byte: what is right.
        await using RawSecondary reader = await RawSecondary.ConnectAsync(primary.Address, "reader", start.ReplicationId, start.Offset);
        Assert.Equal(PrimaryMessage.KindOneofCase.Continue, reader.Answer.KindCase);

        // Redis's setup: one key larger than the buffers, sixteen small ones; then enough to release the first
        // segments (readers kept within 256 KiB, so nothing holds them), ending a few KiB into a segment.
        primary.Cache.Set("key", new byte[256 * 1024], new DistributedCacheEntryOptions());
        foreach (char c in "123456789abcdefgh")
        {
            primary.Cache.SetString($"k{c}", c.ToString());
        }

        byte[] value = new byte[1000];
        for (int i = 0; ; i++)
        {
            long offset = primary.Replication.GetInfo().Offset;
            if (offset > 3 * SegmentBytes && offset % SegmentBytes is > 4096 and < BacklogBytes - 4096)
            {
                break;
            }

            Assert.True(i < 10_000, $"the log did not end where wanted after {i} writes (at {offset})");
            primary.Cache.Set($"filler{i}", value, new DistributedCacheEntryOptions());
            if (i % 256 == 255)
            {
                await reader.WaitForAsync(primary.Replication.GetInfo().Offset);
                await Nodes.WaitInSyncAsync(primary, replica);
            }
        }

        ReplicationInfo info = primary.Replication.GetInfo();
        await reader.WaitForAsync(info.Offset);
        long firstByte = info.BacklogFirstOffset - 1;
        Assert.Equal(info.Offset - BacklogBytes, firstByte);
        Assert.NotEqual(firstByte / SegmentBytes, info.Offset / SegmentBytes); // the backlog spans two segments

        long asked = at switch
        {
            "first-byte" => firstByte,
            "one-byte-before" => firstByte - 1,
            "end" => info.Offset,
            _ => throw new ArgumentOutOfRangeException(nameof(at)),
        };
        long entries = primary.Core.Store.PhysicalCount;
        await using RawSecondary psync = await RawSecondary.ConnectAsync(primary.Address, "psync", info.ReplicationId, asked);
        if (at == "one-byte-before")
        {
            Assert.Equal(PrimaryMessage.KindOneofCase.FullResync, psync.Answer.KindCase);
            Assert.Equal(info.ReplicationId, psync.Answer.FullResync.ReplicationId);
            Assert.Equal(info.Offset, psync.Answer.FullResync.Offset);
            Assert.Equal(asked, psync.Answer.FullResync.SharedOffset); // the same history: all it asked for is shared
        }
        else
        {
            Assert.Equal(PrimaryMessage.KindOneofCase.Continue, psync.Answer.KindCase);
            Assert.Equal(info.ReplicationId, psync.Answer.Continue.ReplicationId);
            Assert.Equal(asked, psync.Answer.Continue.Offset);
        }

        if (at == "one-byte-before")
        {
            // Before the next write: a snapshot walks the live store, so a write during it may be in it too.
            await Poll.UntilAsync(() => psync.SnapshotEntries >= 0 || psync.Problem is not null, "the snapshot's end");
            Assert.Equal(entries, psync.SnapshotEntries);
        }

        // Something written after the handshake too, and the primary still answers (Redis's PING) and replicates.
        primary.Cache.SetString("after", "1");
        long end = primary.Replication.GetInfo().Offset;
        await psync.WaitForAsync(end);
        await reader.WaitForAsync(end);
        byte[] expected = reader.Records()[(int)(psync.StartOffset - reader.StartOffset)..];
        Assert.True(expected.AsSpan().SequenceEqual(psync.Records()), $"the {psync.Records().Length} bytes streamed from {psync.StartOffset} differ from the log's {expected.Length}");
        await Nodes.WaitInSyncAsync(primary, replica);
        Assert.Equal(primary.Cache.GetDigest(), replica.Cache.GetDigest());
        Assert.Equal("1", replica.Cache.GetString("after"));
        bool full = at == "one-byte-before";
        Assert.True((FullSyncs(primary), PartialSyncs(primary)) == (full ? 2 : 1, full ? 1 : 2), Describe([primary, replica]));
        Assert.Equal(3, primary.Replication.GetInfo().Replicas.Count);
    }

    [Fact]
    public async Task PartialResynchronization_IsSuccessful_EvenIfClientOutputBufferLimitIsLessThanReplBacklogSize()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync(o =>
        {
            o.BacklogSizeBytes = 100L * 1024 * 1024;
            o.ReplicaOutputLimitBytes = 1024 * 1024;
        });
        await using var proxy = new TcpFaultProxy(primary.Address);
        await using ReplicatedCacheNode replica = await Nodes.StartSecondaryAsync(proxy.Address);
        await Nodes.WaitInSyncAsync(primary, replica);
        byte[] big = new byte[10 * 1024 * 1024];

        // CLIENT KILL TYPE replica, two 10 MB writes while the replica is away, then it reconnects.
        proxy.Refuse(true);
        proxy.KillAll();
        await Poll.UntilAsync(() => replica.Replication.GetInfo().LinkStatus != PrimaryLinkStatus.Up, "the replica to lose its link");
        Set(primary, big, 1);
        Set(primary, big, 2);
        proxy.Refuse(false);
        await Poll.UntilAsync(() => PartialSyncs(primary) == 1, "the replica to resync partially");
        Set(primary, big, 3); // what would trip the output limit
        await Nodes.WaitInSyncAsync(primary, replica);
        Assert.True((FullSyncs(primary), PartialSyncs(primary)) == (1, 1), Describe([primary, replica]));

        // More than the output limit but less than the backlog, at once: the replica is not dropped either.
        Set(primary, big, 4);
        Set(primary, big, 5);
        await Nodes.WaitInSyncAsync(primary, replica);
        Assert.True((FullSyncs(primary), PartialSyncs(primary)) == (1, 1), Describe([primary, replica]));
        Assert.Equal(primary.Cache.GetDigest(), replica.Cache.GetDigest());
    }

    private static void Set(ReplicatedCacheNode primary, byte[] value, int version)
    {
        value[0] = (byte)version;
        primary.Cache.Set("key", value, new DistributedCacheEntryOptions());
    }
}
