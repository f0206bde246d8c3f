using System.Diagnostics;
using Microsoft.Extensions.Caching.Distributed;

namespace ReplCache.Benchmarks;

/// <summary>
/// Writes on a primary with two secondaries attached, from concurrent tasks, and counts the time until both
/// secondaries have caught up — the figure that matters, since a write is only replicated once applied.
/// </summary>
internal static class WriteThroughputBench
{
    public static async Task<(double OpsPerSecond, double WriteOnlyOpsPerSecond)> RunAsync(int operations, int tasks, int keySpace = 100_000)
    {
        await using ReplicatedCacheNode primary = await ReplicatedCacheNode.StartAsync(new ReplicatedCacheOptions { Listen = "http://127.0.0.1:0" });
        await using ReplicatedCacheNode a = await ReplicatedCacheNode.StartAsync(new ReplicatedCacheOptions { Listen = "http://127.0.0.1:0", PrimaryAddress = primary.Address });
        await using ReplicatedCacheNode b = await ReplicatedCacheNode.StartAsync(new ReplicatedCacheOptions { Listen = "http://127.0.0.1:0", PrimaryAddress = primary.Address });
        if (await primary.Replication.WaitForReplicasAsync(2, TimeSpan.FromSeconds(30)) != 2)
        {
            throw new InvalidOperationException("The secondaries did not connect.");
        }

        string[] keys = Enumerable.Range(0, keySpace).Select(i => $"key:{i}").ToArray();
        byte[] value = new byte[100];
        var options = new DistributedCacheEntryOptions();
        var clock = Stopwatch.StartNew();
        int perTask = operations / tasks;
        await Task.WhenAll(Enumerable.Range(0, tasks).Select(t => Task.Run(async () =>
        {
            int start = t * 7919;
            for (int i = 0; i < perTask; i++)
            {
                await primary.Cache.SetAsync(keys[(start + i) % keySpace], value, options);
            }
        })));
        TimeSpan writing = clock.Elapsed;
        int caughtUp = await primary.Replication.WaitForReplicasAsync(2, TimeSpan.FromMinutes(5));
        TimeSpan total = clock.Elapsed;
        if (caughtUp != 2 || a.Cache.GetDigest() != primary.Cache.GetDigest() || b.Cache.GetDigest() != primary.Cache.GetDigest())
        {
            throw new InvalidOperationException("The secondaries did not end with the primary's content.");
        }

        return (perTask * tasks / total.TotalSeconds, perTask * tasks / writing.TotalSeconds);
    }
}
