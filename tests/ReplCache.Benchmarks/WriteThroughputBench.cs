using System.Diagnostics;
using Microsoft.Extensions.Caching.Distributed;

namespace ReplCache.Benchmarks;

/// <summary>
/// Writes on a primary with two secondaries attached, from concurrent tasks, and counts the time until both
/// secondaries have caught up — the figure that matters, since a write is only replicated once applied. Either
/// overwrites over a key space (each task starting elsewhere in it), or fresh keys: every write a key never written
/// before, so the store grows as a filling cache's does.
/// </summary>
internal static class WriteThroughputBench
{
    public static async Task<(double OpsPerSecond, double WriteOnlyOpsPerSecond)> RunAsync(int operations, int tasks, int keySpace = 100_000, int secondaries = 2, bool freshKeys = false)
    {
        await using ReplicatedCacheNode primary = await ReplicatedCacheNode.StartAsync(new ReplicatedCacheOptions { Listen = "http://127.0.0.1:0" });
        var nodes = new List<ReplicatedCacheNode>();
        for (int i = 0; i < secondaries; i++)
        {
            nodes.Add(await ReplicatedCacheNode.StartAsync(new ReplicatedCacheOptions { Listen = "http://127.0.0.1:0", PrimaryAddress = primary.Address }));
        }

        if (await primary.Replication.WaitForReplicasAsync(secondaries, TimeSpan.FromSeconds(30)) != secondaries)
        {
            throw new InvalidOperationException("The secondaries did not connect.");
        }

        int perTask = operations / tasks;
        if (freshKeys)
        {
            keySpace = perTask * tasks; // task t writes keys t * perTask .. (t + 1) * perTask - 1, each once
        }

        string[] keys = Enumerable.Range(0, keySpace).Select(i => freshKeys ? $"fresh:{i}" : $"key:{i}").ToArray();
        byte[] value = new byte[100];
        var options = new DistributedCacheEntryOptions();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, tasks).Select(t => Task.Run(async () =>
        {
            int start = freshKeys ? t * perTask : t * 7919;
            for (int i = 0; i < perTask; i++)
            {
                await primary.Cache.SetAsync(keys[(start + i) % keySpace], value, options);
            }
        })));
        TimeSpan writing = clock.Elapsed;
        int caughtUp = await primary.Replication.WaitForReplicasAsync(secondaries, TimeSpan.FromMinutes(5));
        TimeSpan total = clock.Elapsed;
        string digest = primary.Cache.GetDigest();
        bool equal = caughtUp == secondaries && nodes.All(n => n.Cache.GetDigest() == digest);
        foreach (ReplicatedCacheNode node in nodes)
        {
            await node.DisposeAsync();
        }

        if (!equal)
        {
            throw new InvalidOperationException("The secondaries did not end with the primary's content.");
        }

        return (perTask * tasks / total.TotalSeconds, perTask * tasks / writing.TotalSeconds);
    }
}
