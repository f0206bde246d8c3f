using System.Diagnostics;
using Microsoft.Extensions.Caching.Distributed;

namespace ReplCache.Benchmarks;

/// <summary>Time for a primary holding N keys of 100 bytes to fully sync two new secondaries (all on loopback).</summary>
internal static class FullSyncBench
{
    /// <param name="detail">Where to say how much of the time the nodes' start took (null: nowhere).</param>
    public static async Task<TimeSpan> RunAsync(int keys, int secondaries = 2, TextWriter? detail = null)
    {
        await using ReplicatedCacheNode primary = await ReplicatedCacheNode.StartAsync(new ReplicatedCacheOptions { Listen = "http://127.0.0.1:0" });
        byte[] value = new byte[100];
        var options = new DistributedCacheEntryOptions();
        for (int i = 0; i < keys; i++)
        {
            primary.Cache.Set($"key:{i}", value, options);
        }

        GC.Collect();
        detail?.WriteLine($"  ({keys:N0} keys written on the primary; the secondaries start now)");
        var clock = Stopwatch.StartNew();
        var nodes = new List<ReplicatedCacheNode>();
        for (int i = 0; i < secondaries; i++)
        {
            nodes.Add(await ReplicatedCacheNode.StartAsync(new ReplicatedCacheOptions { Listen = "http://127.0.0.1:0", PrimaryAddress = primary.Address }));
        }

        TimeSpan started = clock.Elapsed;

        // Bounded: a full sync that takes more than five minutes is a failure, not a figure.
        while (nodes.Any(n => n.Replication.GetInfo().LinkStatus != PrimaryLinkStatus.Up) && clock.Elapsed < TimeSpan.FromMinutes(5))
        {
            await Task.Delay(5);
        }

        TimeSpan elapsed = clock.Elapsed;
        detail?.Flush();
        detail?.WriteLine($"  (the {secondaries} secondaries had started after {started.TotalSeconds:F2} s, their syncs under way; all in sync after {elapsed.TotalSeconds:F2} s)");
        foreach (ReplicatedCacheNode node in nodes)
        {
            if (node.Cache.GetDigest() != primary.Cache.GetDigest())
            {
                throw new InvalidOperationException("A secondary's digest differs from the primary's after the full sync.");
            }

            await node.DisposeAsync();
        }

        return elapsed;
    }
}
