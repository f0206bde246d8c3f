using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;
using static ReplCache.Tests.RedisPorts.Replicas;

namespace ReplCache.Tests.RedisPorts;

/// <summary>
/// Redis #11667 / PR #11666 (replication-buffer.tcl, "Replica client-output-buffer size is limited to
/// backlog_limit/16 when no replication data is pending"): one value larger than the replica's output-buffer limit
/// stayed referenced, so the master dropped the replica after every successful psync, in a loop. Here values of
/// 6 MB — past gRPC's default 4 MiB message size and several times ReplicaOutputLimitBytes, within the backlog — are
/// written among small writes: they arrive whole, and the link is never dropped (a limit below the backlog counts
/// as the backlog, see <see cref="ReplicationBufferTests"/>), so there is no resync at all.
/// </summary>
public sealed class Issue11667BigValueTests
{
    [Fact]
    public async Task Issue11667_ValuesLargerThanTheOutputLimit_ReplicateWithoutAResyncLoop()
    {
        const long limit = 1024 * 1024;
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync(o => o.ReplicaOutputLimitBytes = limit);
        await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(primary.Address, o => o.ReplicaOutputLimitBytes = limit);
        await Nodes.WaitInSyncAsync(primary, secondary);

        var random = new Random(11667);
        const int bigValues = 3;
        for (int i = 0; i < bigValues; i++)
        {
            byte[] big = new byte[6 * 1024 * 1024];
            random.NextBytes(big);
            primary.Cache.Set($"big{i}", big, new DistributedCacheEntryOptions());
            for (int j = 0; j < 100; j++)
            {
                primary.Cache.SetString($"small{i}:{j}", "x");
            }

            await Nodes.WaitInSyncAsync(primary, secondary);
            Assert.Equal(big, secondary.Cache.Get($"big{i}"));
        }

        // Quiet now: the secondary stays connected.
        await HeardAsync(secondary, 5);
        Assert.Equal(PrimaryLinkStatus.Up, secondary.Replication.GetInfo().LinkStatus);
        Assert.True((FullSyncs(primary), PartialSyncs(primary)) == (1, 0), Describe([primary, secondary]));
        Assert.Equal(primary.Cache.GetDigest(), secondary.Cache.GetDigest());
    }
}
