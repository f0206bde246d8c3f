using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Protocol;
using ReplCache.Tests.Infrastructure;
using static ReplCache.Tests.RedisPorts.Replicas;

namespace ReplCache.Tests.RedisPorts;

/// <summary>
/// Redis #3884, "psync offset greater than the master's": a replica asked to continue from further than its master
/// had ever written (after an auth change left it ahead). Redis answers such a PSYNC with a full resync
/// (masterTryPartialResynchronization: <c>psync_offset &gt; backlog offset + histlen</c>, and for the previous id
/// <c>psync_offset &gt; second_replid_offset</c>), never a partial one, which would skip bytes the replica never had
/// or leave it holding bytes the master never wrote. Here a hand-made handshake with the right id and such an offset
/// gets a full resync from the primary's end, sharing no more than the primary holds, and the primary goes on serving
/// its real secondary, which still continues partially after its link is cut.
/// </summary>
public sealed class Issue3884PsyncOffsetGreaterThanTheMastersTests
{
    [Theory]
    [InlineData("one-byte-past-the-end")]
    [InlineData("far-past-the-end")]
    [InlineData("long-max")]
    [InlineData("previous-id-one-byte-past-the-fork")]
    public async Task Issue3884_APsyncOffsetGreaterThanTheMasters_IsAnsweredWithAFullResync_AndThePrimaryStaysHealthy(string ask)
    {
        await using var links = new UpstreamLinks();
        await using ReplicatedCacheNode first = await Nodes.StartPrimaryAsync();
        Write(first, "before", 100);

        // The primary under test: the first node, or — for the previous id — a secondary of it, promoted, which keeps
        // the first node's id as its id2 up to the fork and writes on under a new one.
        ReplicatedCacheNode? promoted = null;
        if (ask == "previous-id-one-byte-past-the-fork")
        {
            promoted = await Nodes.StartSecondaryAsync(first.Address);
            await Nodes.WaitInSyncAsync(first, promoted);
            await promoted.Replication.PromoteToPrimaryAsync();
        }

        await using ReplicatedCacheNode? promotedNode = promoted;
        ReplicatedCacheNode primary = promoted ?? first;
        await using ReplicatedCacheNode replica = await links.StartSecondaryAsync(primary);
        Write(primary, "after-fork", 100);
        await Nodes.WaitInSyncAsync(primary, replica);
        ReplicationInfo info = primary.Replication.GetInfo();
        string digest = primary.Cache.GetDigest();
        long entries = primary.Core.Store.PhysicalCount;

        (string id, long offset, long shared) = ask switch
        {
            "one-byte-past-the-end" => (info.ReplicationId, info.Offset + 1, info.Offset),
            "far-past-the-end" => (info.ReplicationId, info.Offset + (1L << 40), info.Offset),
            "long-max" => (info.ReplicationId, long.MaxValue, info.Offset),
            // Redis's second_replid_offset counts from 1: the fork is at SecondOffset - 1 bytes, which is all it shares.
            _ => (info.ReplicationId2, info.SecondOffset, info.SecondOffset - 1),
        };
        Assert.True(shared > 0 && shared <= info.Offset, $"{ask}: a fork at {shared}, the end at {info.Offset}");

        await using RawSecondary ahead = await RawSecondary.ConnectAsync(primary.Address, "ahead", id, offset);
        Assert.Equal(PrimaryMessage.KindOneofCase.FullResync, ahead.Answer.KindCase);
        Assert.Equal(info.ReplicationId, ahead.Answer.FullResync.ReplicationId);
        Assert.Equal(info.Offset, ahead.Answer.FullResync.Offset);
        Assert.Equal(shared, ahead.Answer.FullResync.SharedOffset);
        await Poll.UntilAsync(() => ahead.SnapshotEntries >= 0 || ahead.Problem is not null, "the snapshot's end");
        Assert.Null(ahead.Problem);
        Assert.Equal(entries, ahead.SnapshotEntries);
        Assert.Equal(digest, primary.Cache.GetDigest());

        // The stream after the snapshot starts at the primary's end, not at the offset asked for, and misses nothing.
        Write(primary, "later", 10);
        await ahead.WaitForAsync(primary.Replication.GetInfo().Offset);
        Assert.Equal(info.Offset, ahead.StartOffset);

        // Healthy for the others: the real secondary keeps up, and continues partially after its link is cut.
        await Nodes.WaitInSyncAsync(primary, replica);
        links.Kill(replica);
        Write(primary, "while-cut", 10);
        await Nodes.WaitInSyncAsync(primary, replica);
        Assert.Equal(primary.Cache.GetDigest(), replica.Cache.GetDigest());
        ReplicationInfo after = primary.Replication.GetInfo();
        Assert.True(
            (after.FullSyncs, after.PartialSyncsAccepted, after.PartialSyncsRejected) == (2, 1, 1),
            $"{ask}: full {after.FullSyncs}, partial {after.PartialSyncsAccepted}, refused {after.PartialSyncsRejected}; {Describe([primary, replica])}");
    }

    private static void Write(ReplicatedCacheNode node, string prefix, int count)
    {
        for (int i = 0; i < count; i++)
        {
            node.Cache.SetString($"{prefix}{i}", $"v{i}", new DistributedCacheEntryOptions());
        }
    }
}
