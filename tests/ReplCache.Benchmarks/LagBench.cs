using System.Buffers.Binary;
using System.Diagnostics;
using Microsoft.Extensions.Caching.Distributed;

namespace ReplCache.Benchmarks;

/// <summary>
/// Replication lag: a write on the primary at a steady rate, then a tight poll of a secondary until the write is
/// visible there. Same method for ReplCache (in-process reads) and Redis (GET over loopback, which adds a round trip).
/// </summary>
internal static class LagBench
{
    public static async Task<(double P50Us, double P99Us)> ReplCacheAsync(int writesPerSecond, int samples)
    {
        // The phases before this one (a throughput run of millions of writes) leave a heap of garbage whose gen-2
        // collection would otherwise land in the middle of the measurement, as BenchmarkDotNet also avoids.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        await using ReplicatedCacheNode primary = await ReplicatedCacheNode.StartAsync(new ReplicatedCacheOptions { Listen = "http://127.0.0.1:0" });
        await using ReplicatedCacheNode a = await ReplicatedCacheNode.StartAsync(new ReplicatedCacheOptions { Listen = "http://127.0.0.1:0", PrimaryAddress = primary.Address });
        await using ReplicatedCacheNode b = await ReplicatedCacheNode.StartAsync(new ReplicatedCacheOptions { Listen = "http://127.0.0.1:0", PrimaryAddress = primary.Address });
        if (await primary.Replication.WaitForReplicasAsync(2, TimeSpan.FromSeconds(30)) != 2)
        {
            throw new InvalidOperationException("The secondaries did not connect.");
        }

        byte[] value = new byte[100];
        var options = new DistributedCacheEntryOptions();
        return Measure(writesPerSecond, samples, (key, stamp) =>
        {
            BinaryPrimitives.WriteInt64LittleEndian(value, stamp);
            primary.Cache.Set(key, value, options);
        }, (key, stamp) => a.Cache.Get(key) is { } seen && BinaryPrimitives.ReadInt64LittleEndian(seen) == stamp);
    }

    public static (double P50Us, double P99Us) Redis(RedisPeer primary, RedisPeer replica, int writesPerSecond, int samples)
    {
        using RespClient writer = primary.Connect();
        using RespClient reader = replica.Connect();
        string pad = new('x', 80);
        return Measure(writesPerSecond, samples,
            (key, stamp) => writer.Call("SET", key, $"{stamp}:{pad}"),
            (key, stamp) => reader.Call("GET", key) is { } seen && seen.StartsWith($"{stamp}:", StringComparison.Ordinal));
    }

    private static (double P50Us, double P99Us) Measure(int writesPerSecond, int samples, Action<string, long> write, Func<string, long, bool> visible)
    {
        // The first second of writes at the same rate is not recorded: the lag asked for is the steady state's, and
        // right after the secondaries connect (WAIT returns as soon as they acknowledge the full sync) the nodes are
        // still settling — the sync's garbage, flow-control windows opening — which showed as a p99 of 1-2 ms in
        // the first second against 0.3-0.4 ms after it. Redis gets the same unrecorded second.
        int warmup = writesPerSecond;
        var lags = new double[samples];
        string[] keys = Enumerable.Range(0, 1000).Select(i => $"lag:{i}").ToArray();
        long interval = Stopwatch.Frequency / writesPerSecond;
        long next = Stopwatch.GetTimestamp();
        for (int i = -warmup; i < samples; i++)
        {
            while (Stopwatch.GetTimestamp() < next)
            {
                Thread.SpinWait(20);
            }

            next += interval;
            string key = keys[(i + warmup) % keys.Length];
            long stamp = i + warmup + 1L;
            long started = Stopwatch.GetTimestamp();
            write(key, stamp);
            long deadline = started + Stopwatch.Frequency; // bounded: a write unseen for 1 s counts as 1 s
            while (!visible(key, stamp) && Stopwatch.GetTimestamp() < deadline)
            {
                Thread.SpinWait(1);
            }

            if (i >= 0)
            {
                lags[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
            }
        }

        Array.Sort(lags);
        return (lags[samples / 2], lags[(int)(samples * 0.99)]);
    }
}
