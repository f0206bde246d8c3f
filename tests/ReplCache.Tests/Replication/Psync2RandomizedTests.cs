using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Replication;

/// <summary>
/// After Redis's tests/integration/psync2.tcl: five nodes; every cycle promotes a random node and re-attaches the
/// others at random (never to a descendant, so chains form but loops do not), then writes under random link
/// kills. Every cycle ends with equal digests, and over the whole run the only full syncs are the first four.
/// </summary>
[Collection(HeavyCollection.Name)]
public class Psync2RandomizedTests
{
    [Fact]
    [Trait("Category", "Long")]
    public async Task TwentyCyclesOfFailoverAndRelinking_OnlyTheInitialFourFullSyncs()
    {
        const int nodeCount = 5, cycles = 20;
        var random = new Random(20261124);
        var nodes = new ReplicatedCacheNode[nodeCount];
        var proxies = new TcpFaultProxy[nodeCount];
        try
        {
            nodes[0] = await Nodes.StartPrimaryAsync();
            proxies[0] = new TcpFaultProxy(nodes[0].Address);
            for (int i = 1; i < nodeCount; i++)
            {
                nodes[i] = await Nodes.StartSecondaryAsync(proxies[0].Address);
                proxies[i] = new TcpFaultProxy(nodes[i].Address);
            }

            nodes[0].Cache.SetString("x", "0");
            await WaitConsistentAsync(nodes, 0);
            Assert.Equal(4, TotalFullSyncs(nodes));

            for (int cycle = 1; cycle <= cycles; cycle++)
            {
                int primary = random.Next(nodeCount);
                await nodes[primary].Replication.PromoteToPrimaryAsync();
                var placed = new List<int> { primary };
                while (placed.Count < nodeCount)
                {
                    int secondary = Enumerable.Range(0, nodeCount).Where(n => !placed.Contains(n)).ElementAt(random.Next(nodeCount - placed.Count));
                    int target = placed[random.Next(placed.Count)]; // already in the new tree: never a descendant
                    await nodes[secondary].Replication.ReplicaOfAsync(proxies[target].Address);
                    placed.Add(secondary);
                }

                await using (var writer = new BackgroundWriter(nodes[primary].Cache, keySpace: 2_000, seed: cycle, writesPerSecond: 20_000))
                {
                    for (int kill = 0; kill < 2; kill++)
                    {
                        long before = writer.Writes;
                        await Poll.UntilAsync(() => writer.Writes > before + 1_500, "writes between link kills");
                        proxies[random.Next(nodeCount)].KillAll();
                    }
                }

                nodes[primary].Cache.SetString("x", cycle.ToString(System.Globalization.CultureInfo.InvariantCulture));
                await WaitConsistentAsync(nodes, primary);
                string digest = nodes[primary].Cache.GetDigest();
                Assert.All(nodes, n => Assert.Equal(digest, n.Cache.GetDigest()));
                Assert.All(nodes, n => Assert.Equal(cycle.ToString(System.Globalization.CultureInfo.InvariantCulture), n.Cache.GetString("x")));
                Assert.True(TotalFullSyncs(nodes) == 4, $"cycle {cycle}: {Describe(nodes)}");
            }
        }
        finally
        {
            foreach (TcpFaultProxy? proxy in proxies)
            {
                if (proxy is not null)
                {
                    await proxy.DisposeAsync();
                }
            }

            foreach (ReplicatedCacheNode? node in nodes)
            {
                if (node is not null)
                {
                    await node.DisposeAsync();
                }
            }
        }
    }

    private static long TotalFullSyncs(ReplicatedCacheNode[] nodes) => nodes.Sum(n => n.Replication.GetInfo().FullSyncs);

    private static string Describe(ReplicatedCacheNode[] nodes) => string.Join("; ", nodes.Select((n, i) =>
    {
        ReplicationInfo info = n.Replication.GetInfo();
        return $"#{i} {info.Role} full={info.FullSyncs} partial={info.PartialSyncsAccepted} rejected={info.PartialSyncsRejected} offset={info.Offset} id={info.ReplicationId[..6]} id2={info.ReplicationId2[..6]}@{info.SecondOffset}";
    }));

    private static Task WaitConsistentAsync(ReplicatedCacheNode[] nodes, int primary) =>
        Poll.UntilAsync(
            () =>
            {
                long offset = nodes[primary].Replication.GetInfo().Offset;
                return nodes.Select((n, i) => (n, i)).All(p => p.i == primary
                    || (p.n.Replication.GetInfo() is { LinkStatus: PrimaryLinkStatus.Up } info && info.Offset == offset));
            },
            "every node to reach the primary's offset",
            TimeSpan.FromSeconds(60));
}
