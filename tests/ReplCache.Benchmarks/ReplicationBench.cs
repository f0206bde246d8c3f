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

        // Warm-up, unmeasured: tiered compilation should reach optimised code before anything is timed, as it has
        // in a server that has run for a while (redis-server is compiled ahead of time).
        await WriteThroughputBench.RunAsync(200_000, tasks: 4);
        await FullSyncBench.RunAsync(100_000);
        (double replOps, double replAccepted) = await WriteThroughputBench.RunAsync(writes, tasks: 4);
        double redisOps = redis ? RedisThroughput(writes) : double.NaN;
        Report("write throughput, 2 secondaries caught up (ops/s)", replOps, redisOps, higherIsBetter: true);
        Console.WriteLine($"  (ReplCache primary alone accepted {replAccepted:N0} ops/s)");

        (double p50, double p99) = await LagBench.ReplCacheAsync(10_000, 20_000);
        (double rp50, double rp99) = redis ? RedisLag() : (double.NaN, double.NaN);
        Report("replication lag p50 at 10k writes/s (us)", p50, rp50, higherIsBetter: false);
        Report("replication lag p99 at 10k writes/s (us)", p99, rp99, higherIsBetter: false);

        RunRedisBenchmarkComparison(writes);
        double sync = (await FullSyncBench.RunAsync(syncKeys)).TotalSeconds;
        double redisSync = redis ? RedisFullSync(syncKeys) : double.NaN;
        Report($"full sync of {syncKeys:N0} keys x 100 B to 2 secondaries (s)", sync, redisSync, higherIsBetter: false);
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
        string ratio = double.IsNaN(redis) ? "" : $"  ratio {(higherIsBetter ? ours / redis : redis / ours):F2}x in ReplCache's favour";
        Console.WriteLine($"{what,-62} ReplCache {Format(ours),12}   Redis {Format(redis),12}{ratio}");
    }

    private static string Format(double value) => double.IsNaN(value) ? "-" : value >= 1000 ? value.ToString("N0", CultureInfo.InvariantCulture) : value.ToString("F2", CultureInfo.InvariantCulture);

    private static double RedisThroughput(int writes)
    {
        using RedisPeer primary = RedisPeer.Start();
        using RedisPeer a = RedisPeer.Start(primary.Port);
        using RedisPeer b = RedisPeer.Start(primary.Port);
        WaitForOnlineReplicas(primary, 2);
        var clock = Stopwatch.StartNew();
        var run = new ProcessStartInfo(RedisPeer.FindOnPath("redis-benchmark")!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string arg in new[] { "-p", primary.Port.ToString(CultureInfo.InvariantCulture), "-t", "set", "-P", "16", "-d", "100", "-n", writes.ToString(CultureInfo.InvariantCulture), "-r", "100000", "-q" })
        {
            run.ArgumentList.Add(arg);
        }

        using Process benchmark = Process.Start(run)!;
        string output = benchmark.StandardOutput.ReadToEnd();
        benchmark.WaitForExit();
        primary.WaitUntil(() => ReplicasCaughtUp(primary), "the Redis replicas to catch up");
        double seconds = clock.Elapsed.TotalSeconds;
        Match reported = RequestsPerSecond().Match(output);
        Console.WriteLine($"  (redis-benchmark itself reported {(reported.Success ? reported.Groups[1].Value : "?")} requests/s before catch-up)");
        return writes / seconds;
    }

    /// <summary>redis-benchmark's own SET and GET figures against a primary (with two replicas attached) that <paramref name="start"/> makes.</summary>
    private static (double Set, double Get) RedisBenchmark(Func<int?, RedisPeer> start, int requests)
    {
        using RedisPeer primary = start(null);
        using RedisPeer a = start(primary.Port);
        using RedisPeer b = start(primary.Port);
        WaitForOnlineReplicas(primary, 2);
        var run = new ProcessStartInfo(RedisPeer.FindOnPath("redis-benchmark")!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in new[] { "-p", primary.Port.ToString(CultureInfo.InvariantCulture), "-t", "set,get", "-P", "16", "-d", "100", "-n", requests.ToString(CultureInfo.InvariantCulture), "-r", "100000", "-q" })
        {
            run.ArgumentList.Add(arg);
        }

        using Process benchmark = Process.Start(run)!;
        Task<string> errors = benchmark.StandardError.ReadToEndAsync();
        string output = benchmark.StandardOutput.ReadToEnd();
        benchmark.WaitForExit();
        Match set = RequestsPerSecond().Match(output);
        Match get = GetRequestsPerSecond().Match(output);
        if (!set.Success || !get.Success)
        {
            throw new InvalidOperationException($"redis-benchmark printed no figures:\n{output}\n{errors.Result}");
        }

        return (double.Parse(set.Groups[1].Value, CultureInfo.InvariantCulture), double.Parse(get.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    private static (double, double) RedisLag()
    {
        using RedisPeer primary = RedisPeer.Start();
        using RedisPeer a = RedisPeer.Start(primary.Port);
        using RedisPeer b = RedisPeer.Start(primary.Port);
        WaitForOnlineReplicas(primary, 2);
        return LagBench.Redis(primary, a, 10_000, 20_000);
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

    [GeneratedRegex(@"SET: ([\d.]+) requests per second")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"GET: ([\d.]+) requests per second")]
    private static partial Regex GetRequestsPerSecond();
}
