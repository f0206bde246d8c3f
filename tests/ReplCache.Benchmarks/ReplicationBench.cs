using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace ReplCache.Benchmarks;

/// <summary>
/// The end-to-end replication bench: ReplCache and redis-server side by side in one run, on loopback, each a
/// primary with two secondaries. Redis is started by the bench with diskless sync and no delay.
/// </summary>
internal static partial class ReplicationBench
{
    public static async Task<int> RunAsync(int writes, int syncKeys)
    {
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");
        bool redis = RedisPeer.IsInstalled;
        if (!redis)
        {
            Console.WriteLine("redis-server/redis-benchmark not installed (apt-get install redis-server redis-tools): Redis columns skipped.");
        }

        // Warm-up, unmeasured, until the JIT has gone quiet (see JitWarmUp): tiered compilation should reach
        // optimised code before anything is timed, as it has in a server that has run for a while (redis-server is
        // compiled ahead of time).
        (TimeSpan warmed, int rounds) = await JitWarmUp.UntilQuietAsync(async () =>
        {
            await WriteThroughputBench.RunAsync(200_000, tasks: 4);
            await FullSyncBench.RunAsync(100_000);
        });
        Console.WriteLine($"  (warm-up until the JIT went quiet: {rounds} rounds of writes and a full sync, {warmed.TotalSeconds:F0} s)");
        (double replOps, double replAccepted) = await WriteThroughputBench.RunAsync(writes, tasks: 4);
        double redisOps = redis ? RedisThroughput(writes).OpsPerSecond : double.NaN;
        Report("write throughput, 2 secondaries caught up (ops/s)", replOps, redisOps, higherIsBetter: true);
        Console.WriteLine($"  (ReplCache primary alone accepted {replAccepted:N0} ops/s)");

        LagFigures lag = await LagBench.ReplCacheAsync(10_000, 20_000);
        LagFigures? redisLag = redis ? await RedisLagAsync(10_000, 20_000) : null;
        Report("replication lag p50 at 10k writes/s (us)", lag.P50Us, redisLag?.P50Us ?? double.NaN, higherIsBetter: false);
        Report("replication lag p99 at 10k writes/s (us)", lag.P99Us, redisLag?.P99Us ?? double.NaN, higherIsBetter: false);

        RunRedisBenchmarkComparison(writes);
        double sync = (await FullSyncBench.RunAsync(syncKeys, detail: Console.Out)).TotalSeconds;
        double redisSync = redis ? RedisFullSync(syncKeys) : double.NaN;
        Report($"full sync of {syncKeys:N0} keys x 100 B to 2 secondaries (s)", sync, redisSync, higherIsBetter: false);
        return 0;
    }

    /// <summary>
    /// Replicated writes of fresh keys, the store growing as a filling cache's does: <paramref name="keys"/> keys never
    /// written before, by 4 tasks with SetAsync, until 2 secondaries have applied all; beside redis-benchmark
    /// (-P 16 -c 50 -r keys) against a Redis primary with 2 replicas, until the replicas' offsets match.
    /// </summary>
    public static async Task<int> RunFreshKeysAsync(int keys)
    {
        (TimeSpan warmed, int rounds) = await JitWarmUp.UntilQuietAsync(() => WriteThroughputBench.RunAsync(200_000, tasks: 4, freshKeys: true));
        Console.WriteLine($"  (warm-up until the JIT went quiet: {rounds} rounds of 200,000 fresh keys, {warmed.TotalSeconds:F0} s)");
        (double ours, double accepted) = await WriteThroughputBench.RunAsync(keys, tasks: 4, freshKeys: true);
        double redis = double.NaN;
        long distinct = 0;
        if (RedisPeer.IsInstalled)
        {
            (redis, distinct) = RedisThroughput(keys, keyRange: keys);
        }
        else
        {
            Console.WriteLine("redis-server/redis-benchmark not installed: the Redis column is skipped.");
        }

        Report($"{keys:N0} fresh keys, 2 secondaries caught up (ops/s)", ours, redis, higherIsBetter: true);
        Console.WriteLine($"  (ReplCache primary alone accepted {accepted:N0} ops/s; Redis ended with {distinct:N0} distinct keys: redis-benchmark -r draws keys at random, so the rest were overwrites; target >= 3x)");
        return 0;
    }

    /// <summary>Lag at 10k writes/s, three runs each after a warm-up, ReplCache and Redis in one run; medians.</summary>
    public static async Task<int> RunLagAsync(int writesPerSecond, int samples)
    {
        TimeSpan warmUp = await LagBench.WarmUpAsync(writesPerSecond);
        Console.WriteLine($"warm-up until the JIT went quiet: {warmUp.TotalSeconds:F0} s of writes");
        var ours = new List<LagFigures>();
        var theirs = new List<LagFigures>();
        for (int run = 0; run < 3; run++)
        {
            ours.Add(await LagBench.ReplCacheAsync(writesPerSecond, samples));
            Console.WriteLine($"ReplCache lag at {writesPerSecond:N0} writes/s: {ours[^1]}");
        }

        if (!RedisPeer.IsInstalled)
        {
            Console.WriteLine("redis-server not installed: the Redis column is skipped.");
            return 0;
        }

        for (int run = 0; run < 3; run++)
        {
            theirs.Add(await RedisLagAsync(writesPerSecond, samples));
            Console.WriteLine($"Redis lag at {writesPerSecond:N0} writes/s:     {theirs[^1]}");
        }

        static double Median(List<LagFigures> runs, Func<LagFigures, double> figure) => runs.Select(figure).Order().ElementAt(runs.Count / 2);
        Report("replication lag p50, median of 3 (us)", Median(ours, f => f.P50Us), Median(theirs, f => f.P50Us), higherIsBetter: false);
        Report("replication lag p99, median of 3 (us)", Median(ours, f => f.P99Us), Median(theirs, f => f.P99Us), higherIsBetter: false);
        return 0;
    }

    /// <summary>
    /// The same client against both servers: redis-benchmark, pipelined, against replcache-server and redis-server,
    /// each a primary with two replicas, in one run.
    /// </summary>
    public static int RunRedisBenchmarkComparison(int requests)
    {
        if (!RedisPeer.IsInstalled || RedisPeer.ReplCacheServerDll is null)
        {
            Console.WriteLine("redis-benchmark against replcache-server skipped: needs redis-server, redis-tools and a Release build of src/ReplCache.Server.");
            return 0;
        }

        (double ourSet, double ourGet) = RedisBenchmark(RedisPeer.StartReplCacheServer, requests);
        (double theirSet, double theirGet) = RedisBenchmark(p => RedisPeer.Start(p), requests);
        Report("redis-benchmark -t set -P 16 -d 100, 2 replicas (req/s)", ourSet, theirSet, higherIsBetter: true);
        Report("redis-benchmark -t get -P 16 -d 100, 2 replicas (req/s)", ourGet, theirGet, higherIsBetter: true);
        return 0;
    }

    private static void Report(string what, double ours, double redis, bool higherIsBetter)
    {
        // Said the way round that is at least 1: "0.45x in ReplCache's favour" read as a win when it was a loss.
        double advantage = higherIsBetter ? ours / redis : redis / ours;
        string ratio = double.IsNaN(redis) ? ""
            : advantage >= 1 ? $"  {advantage:F2}x in ReplCache's favour"
            : $"  {1 / advantage:F2}x in Redis's favour";
        Console.WriteLine($"{what,-62} ReplCache {Format(ours),12}   Redis {Format(redis),12}{ratio}");
    }

    private static string Format(double value) => double.IsNaN(value) ? "-" : value >= 1000 ? value.ToString("N0", CultureInfo.InvariantCulture) : value.ToString("F2", CultureInfo.InvariantCulture);

    /// <summary>redis-benchmark SETs (-P 16, 50 clients) on a primary with 2 replicas, timed until the replicas' offsets match.</summary>
    private static (double OpsPerSecond, long Keys) RedisThroughput(int writes, int keyRange = 100_000)
    {
        using RedisPeer primary = RedisPeer.Start();
        using RedisPeer a = RedisPeer.Start(primary.Port);
        using RedisPeer b = RedisPeer.Start(primary.Port);
        WaitForOnlineReplicas(primary, 2);
        var clock = Stopwatch.StartNew();
        string output = RedisBenchmarkTool.Run("-p", primary.Port.ToString(CultureInfo.InvariantCulture), "-t", "set", "-P", "16", "-c", "50", "-d", "100",
            "-n", writes.ToString(CultureInfo.InvariantCulture), "-r", keyRange.ToString(CultureInfo.InvariantCulture), "-q");
        primary.WaitUntil(() => ReplicasCaughtUp(primary), "the Redis replicas to catch up");
        double seconds = clock.Elapsed.TotalSeconds;
        double? reported = RedisBenchmarkTool.RequestsPerSecond(output, "SET");
        Console.WriteLine($"  (redis-benchmark itself reported {reported?.ToString("F2", CultureInfo.InvariantCulture) ?? "?"} requests/s before catch-up)");
        using RespClient client = primary.Connect();
        return (writes / seconds, long.Parse(client.Call("DBSIZE") ?? "0", CultureInfo.InvariantCulture));
    }

    /// <summary>redis-benchmark's own SET and GET figures against a primary (with two replicas attached) that <paramref name="start"/> makes.</summary>
    private static (double Set, double Get) RedisBenchmark(Func<int?, RedisPeer> start, int requests)
    {
        using RedisPeer primary = start(null);
        using RedisPeer a = start(primary.Port);
        using RedisPeer b = start(primary.Port);
        WaitForOnlineReplicas(primary, 2);
        string output = RedisBenchmarkTool.Run("-p", primary.Port.ToString(CultureInfo.InvariantCulture), "-t", "set,get", "-P", "16", "-d", "100",
            "-n", requests.ToString(CultureInfo.InvariantCulture), "-r", "100000", "-q");
        return (RedisBenchmarkTool.RequireRequestsPerSecond(output, "SET"), RedisBenchmarkTool.RequireRequestsPerSecond(output, "GET"));
    }

    private static async Task<LagFigures> RedisLagAsync(int writesPerSecond, int samples)
    {
        using RedisPeer primary = RedisPeer.Start();
        using RedisPeer a = RedisPeer.Start(primary.Port);
        using RedisPeer b = RedisPeer.Start(primary.Port);
        WaitForOnlineReplicas(primary, 2);
        return await LagBench.RedisAsync(primary, a, [primary, a, b], writesPerSecond, samples);
    }

    private static double RedisFullSync(int keys)
    {
        using RedisPeer primary = RedisPeer.Start();
        using (RespClient client = primary.Connect())
        {
            client.Call("DEBUG", "POPULATE", keys.ToString(CultureInfo.InvariantCulture), "key", "100");
        }

        var clock = Stopwatch.StartNew();
        using RedisPeer a = RedisPeer.Start(primary.Port);
        using RedisPeer b = RedisPeer.Start(primary.Port);
        primary.WaitUntil(() => ReplicaLoaded(a, keys) && ReplicaLoaded(b, keys), "the Redis replicas to finish their full sync");
        return clock.Elapsed.TotalSeconds;
    }

    private static bool ReplicaLoaded(RedisPeer replica, int keys)
    {
        string info = replica.Info("replication");
        return info.Contains("master_link_status:up", StringComparison.Ordinal) && RedisPeer.Field(info, "master_sync_in_progress") == 0;
    }

    private static void WaitForOnlineReplicas(RedisPeer primary, int count) =>
        primary.WaitUntil(() => RedisPeer.Field(primary.Info("replication"), "connected_slaves") == count && ReplicasCaughtUp(primary), "the Redis replicas to come online");

    private static bool ReplicasCaughtUp(RedisPeer primary)
    {
        string info = primary.Info("replication");
        long offset = RedisPeer.Field(info, "master_repl_offset");
        MatchCollection replicas = ReplicaLine().Matches(info);
        return replicas.Count > 0 && replicas.All(m => m.Groups[1].Value == "online" && long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) >= offset);
    }

    [GeneratedRegex(@"slave\d+:ip=[^,]+,port=\d+,state=(\w+),offset=(\d+)")]
    private static partial Regex ReplicaLine();
}
