using Microsoft.Extensions.Caching.Distributed;
using System.Globalization;
using ReplCache.Tests.Infrastructure;
using static ReplCache.Tests.RedisPorts.Replicas;

namespace ReplCache.Tests.RedisPorts;

/// <summary>
/// Redis's tests/integration/psync2.tcl, step by step: five nodes; every cycle a random node is set as master and the
/// others attach at random (chains allowed, never below a node that has yet to learn the new replication id), the
/// whole tree learns the new id, and a write load runs while random nodes' master links are killed
/// (<c>CLIENT KILL TYPE master</c>). Then: the total of full syncs is exactly 4, offsets are exactly equal after
/// heartbeats, the master is brought back with four direct replicas, and a replica restarted from its snapshot
/// resyncs partially (the RDB aux fields).
/// </summary>
[Collection(HeavyCollection.Name)]
public sealed class Psync2Tests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("replcache-psync2-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    [Trait("Category", "Long")]
    public async Task Psync2_FullSyncCount_IsExact_UnderRandomPromotionsAndLinkKills()
    {
        const int nodeCount = 5, cycles = 8, killsPerCycle = 4;
        var random = new Random(3899);
        var nodes = new ReplicatedCacheNode[nodeCount];
        await using var links = new UpstreamLinks();
        try
        {
            nodes[0] = await Nodes.StartPrimaryAsync(o => o.SnapshotPath = SnapshotOf(0));
            for (int i = 1; i < nodeCount; i++)
            {
                int n = i;
                nodes[i] = await links.StartSecondaryAsync(nodes[0], o => o.SnapshotPath = SnapshotOf(n));
            }

            int master = 0;
            long counter = 0;
            nodes[0].Cache.SetString("x", "0");
            await WaitConsistentAsync(nodes[0], nodes);
            for (int cycle = 1; cycle <= cycles; cycle++)
            {
                // [NEW LAYOUT] Set #master as master.
                master = random.Next(nodeCount);
                await nodes[master].Replication.PromoteToPrimaryAsync();
                string replid = nodes[master].Replication.GetInfo().ReplicationId;

                // Set #s to replicate from #m: a node attaches only to a node already placed in the new tree.
                var placed = new List<int> { master };
                foreach (int s in Enumerable.Range(0, nodeCount).Where(n => n != master).OrderBy(_ => random.Next()))
                {
                    int m = placed[random.Next(placed.Count)];
                    await Poll.UntilAsync(() => nodes[m].Replication.GetInfo().ReplicationId == replid, $"#{m} to learn the new replication id before #{s} attaches");
                    await links.PointAsync(nodes[s], nodes[m]);
                    placed.Add(s);
                }

                await Poll.UntilAsync(() => nodes.All(n => n.Replication.GetInfo().ReplicationId == replid), "every node to learn its root's replication id");

                // PSYNC2: cluster is consistent after failover.
                nodes[master].Cache.SetString("x", $"{++counter}");
                await WaitConsistentAsync(nodes[master], nodes);
                Assert.All(nodes, n => Assert.Equal($"{counter}", n.Cache.GetString("x")));

                // PSYNC2: generate load while killing replication links.
                await using (var writer = new BackgroundWriter(nodes[master].Cache, keySpace: 1_000, seed: cycle, writesPerSecond: 5_000))
                {
                    for (int kill = 0; kill < killsPerCycle; kill++)
                    {
                        long before = writer.Writes;
                        await Poll.UntilAsync(() => writer.Writes > before + 1_000, "writes between link kills");
                        nodes[master].Cache.SetString("x", $"{++counter}");
                        links.Kill(nodes[random.Next(nodeCount)]); // the master has no link of its own: then nothing
                    }
                }

                // PSYNC2: cluster is consistent after load (x = counter).
                await WaitConsistentAsync(nodes[master], nodes);
                Assert.All(nodes, n => Assert.Equal($"{counter}", n.Cache.GetString("x")));
                Assert.All(nodes, n => Assert.Equal(nodes[master].Cache.GetDigest(), n.Cache.GetDigest()));

                // PSYNC2: total sum of full synchronizations is exactly 4.
                Assert.True(nodes.Sum(FullSyncs) == 4, $"cycle {cycle}: {Describe(nodes)}");
            }

            // The offsets are exactly equal on all nodes, heartbeats included.
            await Task.WhenAll(nodes.Where((_, i) => i != master).Select(n => HeardAsync(n, 3)));
            Assert.All(nodes, n => Assert.Equal(nodes[master].Replication.GetInfo().Offset, n.Replication.GetInfo().Offset));

            // PSYNC2: Bring the master back again for next test.
            foreach (ReplicatedCacheNode node in nodes.Where((_, i) => i != master))
            {
                await links.PointAsync(node, nodes[master]);
            }

            await WaitConsistentAsync(nodes[master], nodes);
            Assert.Equal(4, nodes[master].Replication.GetInfo().Replicas.Count);

            // PSYNC2: Partial resync after restart using RDB aux fields.
            int restarted = (master + 1) % nodeCount;
            long full = FullSyncs(nodes[master]), partial = PartialSyncs(nodes[master]);
            await nodes[restarted].StopAsync();
            nodes[master].Cache.SetString("x", $"{++counter}");
            nodes[restarted] = await Nodes.StartSecondaryAsync(links.Of(nodes[restarted]).Address, o => o.SnapshotPath = SnapshotOf(restarted));
            await WaitConsistentAsync(nodes[master], nodes);
            Assert.Equal($"{counter}", nodes[restarted].Cache.GetString("x"));
            Assert.Equal((full, partial + 1), (FullSyncs(nodes[master]), PartialSyncs(nodes[master])));
            Assert.Equal(nodes[master].Cache.GetDigest(), nodes[restarted].Cache.GetDigest());
        }
        finally
        {
            foreach (ReplicatedCacheNode? node in nodes)
            {
                if (node is not null)
                {
                    await node.DisposeAsync();
                }
            }
        }
    }

    private string SnapshotOf(int node) => Path.Combine(_dir, $"node{node}.rcs");
}
