using System.Diagnostics;
using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Replication.Secondary;

namespace ReplCache.Benchmarks;

/// <summary>
/// Writes on a secondary with <see cref="ReplicaWriteMode.ForwardToPrimary"/>: throughput of <c>SetAsync</c> from
/// concurrent tasks (each write returns once the secondary has applied it: a full round trip plus replication),
/// and the latency of one write at a time, which is that round trip alone.
/// </summary>
internal static class ForwardBench
{
    public static async Task<int> RunAsync(int writes, int tasks, int samples)
    {
        await using ReplicatedCacheNode primary = await ReplicatedCacheNode.StartAsync(new ReplicatedCacheOptions { Listen = "http://127.0.0.1:0" });
        await using ReplicatedCacheNode secondary = await ReplicatedCacheNode.StartAsync(new ReplicatedCacheOptions
        {
            Listen = "http://127.0.0.1:0",
            PrimaryAddress = primary.Address,
            ReplicaWrites = ReplicaWriteMode.ForwardToPrimary,
            ForwardedWriteTimeout = TimeSpan.FromSeconds(60),
        });
        if (await primary.Replication.WaitForReplicasAsync(1, TimeSpan.FromSeconds(30)) != 1)
        {
            throw new InvalidOperationException("The secondary did not connect.");
        }

        var linking = Stopwatch.StartNew();
        while (secondary.Replication.GetInfo().LinkStatus != PrimaryLinkStatus.Up)
        {
            if (linking.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new InvalidOperationException("The secondary's link to the primary did not come up.");
            }

            await Task.Delay(10);
        }

        byte[] value = new byte[100];
        var options = new DistributedCacheEntryOptions();
        await ThroughputAsync(secondary, Math.Min(writes, 50_000), tasks, value, options); // warm-up: tiered compilation first
        WriteForwarder forwarder = secondary.Core.Links.Link!.Forwarder;
        long batchesBefore = forwarder.BatchesSent, writesBefore = forwarder.WritesSent;
        double opsPerSecond = await ThroughputAsync(secondary, writes, tasks, value, options);
        double perBatch = (double)(forwarder.WritesSent - writesBefore) / Math.Max(1, forwarder.BatchesSent - batchesBefore);
        Console.WriteLine($"forwarded SetAsync x {writes:N0} (100 B, {tasks} tasks) on a secondary: {opsPerSecond:N0} ops/s, {perBatch:N1} writes per message");

        (double p50, double p99) = await LatencyAsync(secondary, samples, value, options, sync: false);
        Console.WriteLine($"single forwarded SetAsync, one at a time x {samples:N0}: p50 {p50:N0} us, p99 {p99:N0} us");
        (p50, p99) = await LatencyAsync(secondary, samples, value, options, sync: true);
        Console.WriteLine($"single forwarded Set (sync), one at a time x {samples:N0}: p50 {p50:N0} us, p99 {p99:N0} us");

        long started = Stopwatch.GetTimestamp();
        for (int i = 0; i < samples; i++)
        {
            await primary.Cache.SetAsync($"local:{i % 1000}", value, options);
        }

        Console.WriteLine($"for scale, SetAsync on the primary itself: {Stopwatch.GetElapsedTime(started).TotalMicroseconds / samples:N1} us per write");

        if (primary.Cache.Get("fwd:0") is null || secondary.Cache.Get("lat:0") is null)
        {
            throw new InvalidOperationException("The forwarded writes did not land.");
        }

        return 0;
    }

    private static async Task<double> ThroughputAsync(ReplicatedCacheNode node, int writes, int tasks, byte[] value, DistributedCacheEntryOptions options)
    {
        int perTask = writes / tasks;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, tasks).Select(t => Task.Run(async () =>
        {
            for (int i = 0; i < perTask; i++)
            {
                await node.Cache.SetAsync($"fwd:{(t * perTask + i) % 100_000}", value, options);
            }
        })));
        return perTask * tasks / clock.Elapsed.TotalSeconds;
    }

    private static async Task<(double P50Us, double P99Us)> LatencyAsync(ReplicatedCacheNode node, int samples, byte[] value, DistributedCacheEntryOptions options, bool sync)
    {
        var latencies = new double[samples];
        for (int i = 0; i < samples; i++)
        {
            long started = Stopwatch.GetTimestamp();
            if (sync)
            {
                node.Cache.Set($"lat:{i % 1000}", value, options);
            }
            else
            {
                await node.Cache.SetAsync($"lat:{i % 1000}", value, options);
            }

            latencies[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
        }

        Array.Sort(latencies);
        return (latencies[samples / 2], latencies[(int)(samples * 0.99)]);
    }
}
