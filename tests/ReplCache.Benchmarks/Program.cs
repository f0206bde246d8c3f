using BenchmarkDotNet.Running;
using ReplCache.Benchmarks;

// Modes:
//   micro [BenchmarkDotNet args]   local Get/Set/TryGet benchmarks (BenchmarkDotNet)
//   getrandom [BenchmarkDotNet args]   micro's random-order Get over 1M keys: ReplCache, MemoryDistributedCache, ConcurrentDictionary
//   memory [entries]               managed bytes per entry after a full GC (the GC heap only: rss has what the process pays)
//   rss [entries]                  resident bytes per entry beyond the value, a process per case, beside Redis's used_memory_rss
//   gcpause [entries]              a full blocking GC with N entries held, minus none: ReplCache, MemoryDistributedCache
//   replication [writes] [keys]    end-to-end: write throughput, lag, full sync, beside redis-server
//   throughput [writes] [secondaries] | fullsync [keys]   one part of the above, ReplCache only
//   fresh [keys]                   fresh keys by 4 tasks until 2 secondaries applied all, beside redis-benchmark with 2 replicas
//   persistence [keys]             snapshot save and load beside Redis's SAVE and restart
//   lag                            replication lag p50/p99 at 10k writes/s, three runs after a warm-up, beside Redis
//   starved                        lag with a free thread pool, then with 32 pool threads blocked (sync-over-async)
//   resp [requests]                redis-benchmark -t set,get -P 16 against replcache-server and redis-server (2 replicas each)
//   resp1 [pairs]                  redis-benchmark SET and GET, -P 16 and not, against one replcache-server and one redis-server
//   forward [writes] [tasks]       writes forwarded by a secondary (ReplicaWrites = ForwardToPrimary): throughput, latency
//   failover [rounds]              kill -9 of a Sentinel-managed primary -> first write on the new primary, beside Redis
// Hidden: child-gcpause and child-rss <kind> <entries>, the cases gcpause and rss run in processes of their own.
string mode = args.Length > 0 ? args[0] : "help";
int Arg(int index, int otherwise) => args.Length > index ? int.Parse(args[index], System.Globalization.CultureInfo.InvariantCulture) : otherwise;
switch (mode)
{
    case "micro":
        BenchmarkSwitcher.FromTypes([typeof(CacheBenchmarks), typeof(ApplyBenchmarks)]).Run(args[1..]);
        return 0;
    case "getrandom":
        // Not a bench of its own: CacheBenchmarks' GetHit category already reads 1M keys in a shuffled order.
        BenchmarkSwitcher.FromTypes([typeof(CacheBenchmarks)]).Run(["--filter", "*CacheBenchmarks*GetHit*", .. args[1..]]);
        return 0;
    case "gcpause":
        return GcPauseBench.Run(Arg(1, 4_000_000));
    case GcPauseBench.ChildMode:
        return GcPauseBench.RunChild(args[1], Arg(2, 0));
    case "rss":
        return ResidentMemoryBench.Run(Arg(1, 1_000_000));
    case ResidentMemoryBench.ChildMode:
        return ResidentMemoryBench.RunChild(args[1], Arg(2, 0));
    case "failover":
        return FailoverBench.Run(Arg(1, 3));
    case "starved":
        return StarvedPoolBench.Run(writesPerSecond: 10_000, samples: 20_000);
    case "fresh":
        return await ReplicationBench.RunFreshKeysAsync(Arg(1, 1_000_000));
    case "fullsync":
        int keys = Arg(1, 1_000_000);
        (TimeSpan warmed, int rounds) = await JitWarmUp.UntilQuietAsync(() => FullSyncBench.RunAsync(100_000));
        Console.WriteLine($"  (warm-up until the JIT went quiet: {rounds} full syncs of 100,000 keys, {warmed.TotalSeconds:F0} s)");
        TimeSpan took = await FullSyncBench.RunAsync(keys, detail: Console.Out);
        Console.WriteLine($"full sync of {keys:N0} keys x 100 B to 2 secondaries: {took.TotalSeconds:F2} s");
        return 0;
    case "throughput":
        int ops = Arg(1, 2_000_000);
        int secondaryCount = Arg(2, 2);
        (double replicated, double written) = await WriteThroughputBench.RunAsync(ops, tasks: 4, secondaries: secondaryCount);
        Console.WriteLine($"SetAsync x {ops:N0} (100 B, 4 tasks), {secondaryCount} secondaries caught up: {replicated:N0} ops/s (primary alone accepted {written:N0} ops/s)");
        return 0;
    case "replication":
        return await ReplicationBench.RunAsync(Arg(1, 2_000_000), Arg(2, 1_000_000));
    case "lag":
        return await ReplicationBench.RunLagAsync(10_000, 20_000);
    case "resp":
        return ReplicationBench.RunRedisBenchmarkComparison(Arg(1, 2_000_000));
    case "resp1":
        return SingleServerRespBench.Run(Arg(1, 7));
    case "persistence":
        return await PersistenceBench.RunAsync(Arg(1, 1_000_000));
    case "forward":
        return await ForwardBench.RunAsync(Arg(1, 500_000), Arg(2, 64), samples: 10_000);
    case "memory":
        MemoryFootprint.Run(Arg(1, 1_000_000));
        return 0;
    default:
        Console.WriteLine("usage: dotnet run -c Release --project tests/ReplCache.Benchmarks -- micro [--filter *] | getrandom [BenchmarkDotNet args] | memory [entries] | rss [entries] | gcpause [entries] | replication [writes] [keys] | throughput [writes] [secondaries] | fullsync [keys] | fresh [keys] | persistence [keys] | lag | starved | resp [requests] | resp1 [pairs] | forward [writes] [tasks]");
        return mode == "help" ? 0 : 2;
}
