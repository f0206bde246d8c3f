using ReplCache.Tests.Infrastructure;
using static ReplCache.Tests.RedisPorts.Replicas;

namespace ReplCache.Tests.RedisPorts;

/// <summary>
/// Redis #3899, "PSYNC2 partial command backlog corruption" (tests/integration/psync2-reg.tcl): a replica copied its
/// master's raw input into its own backlog, so a command cut in half by a link kill reached its sub-replicas
/// corrupted. antirez reproduced it on a chain 9000 → 9001 → 9002 under pipelined INCRs with
/// <c>CLIENT KILL TYPE master</c>; the middle node ended with a different digest. Here the chain runs under a write
/// load with values large enough to span several stream messages, and the middle and last nodes' master links are
/// killed again and again: digests and offsets end exactly equal, and nothing but the first two syncs is full.
/// </summary>
[Collection(HeavyCollection.Name)]
public sealed class Issue3899ChainedReplicaKillsTests
{
    [Fact]
    [Trait("Category", "Long")]
    public async Task Issue3899_PartialCommandsCutByLinkKills_NeverCorruptAChainedReplica()
    {
        var random = new Random(3899);
        await using var links = new UpstreamLinks();
        await using ReplicatedCacheNode a = await Nodes.StartPrimaryAsync(o => o.BacklogSizeBytes = 256L * 1024 * 1024);
        await using ReplicatedCacheNode b = await links.StartSecondaryAsync(a, o => o.BacklogSizeBytes = 256L * 1024 * 1024);
        await Nodes.WaitInSyncAsync(a, b);
        await using ReplicatedCacheNode c = await links.StartSecondaryAsync(b);
        await Nodes.WaitInSyncAsync(a, b, c);

        int kills = 0;
        await using (var small = new BackgroundWriter(a.Cache, keySpace: 10_000, seed: 1, writesPerSecond: 10_000))
        await using (var large = new BackgroundWriter(a.Cache, keySpace: 50, valueBytes: 150_000, seed: 2, writesPerSecond: 50))
        {
            // PSYNC2 #3899 regression: kill first replica / kill chained replica, at random moments of the load.
            for (; kills < 40; kills++)
            {
                long before = small.Writes;
                int gap = random.Next(100, 1_000);
                await Poll.UntilAsync(() => small.Writes > before + gap, "writes between link kills");
                links.Kill(random.Next(2) == 0 ? b : c);
            }
        }

        // PSYNC2 #3899 regression: verify consistency.
        await Nodes.WaitInSyncAsync(a, b, c);
        Assert.Equal(a.Cache.GetDigest(), b.Cache.GetDigest());
        Assert.Equal(a.Cache.GetDigest(), c.Cache.GetDigest());
        Assert.Equal(a.Replication.GetInfo().Offset, c.Replication.GetInfo().Offset);
        Assert.True((FullSyncs(a), FullSyncs(b)) == (1, 1), Describe([a, b, c]));
        Assert.True(PartialSyncs(a) + PartialSyncs(b) > 0, Describe([a, b, c]));
    }
}
