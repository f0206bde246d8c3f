using BenchmarkDotNet.Running;
using ReplCache.Benchmarks;

// Modes:
//   micro [BenchmarkDotNet args]   local Get/Set/TryGet benchmarks (BenchmarkDotNet)
//   memory [entries]               managed bytes per entry after a full GC
//   replication [writes] [keys]    end-to-end: write throughput, lag, full sync, beside redis-server
//   throughput [writes] | fullsync [keys]   one part of the above, ReplCache only
//   persistence [keys]             snapshot save and load beside Redis's SAVE and restart
//   lag                            replication lag p50/p99 at 10k writes/s, ReplCache only, three runs after a warm-up
//   resp [requests]                redis-benchmark -t set,get -P 16 against replcache-server and redis-server (2 replicas each)
//   forward [writes] [tasks]       writes forwarded by a secondary (ReplicaWrites = ForwardToPrimary): throughput, latency
string mode = args.Length > 0 ? args[0] : "help";
switch (mode)
{
    case "micro":
        BenchmarkSwitcher.FromTypes([typeof(CacheBenchmarks), typeof(ApplyBenchmarks)]).Run(args[1..]);
        return 0;
    case "fullsync":
        int keys = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
        await FullSyncBench.RunAsync(100_000); // warm-up: let tiered compilation reach the optimised code first
        TimeSpan took = await FullSyncBench.RunAsync(keys);
        Console.WriteLine($"full sync of {keys:N0} keys x 100 B to 2 secondaries: {took.TotalSeconds:F2} s");
        return 0;
    case "throughput":
        int ops = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2_000_000;
        int secondaryCount = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 2;
        (double replicated, double written) = await WriteThroughputBench.RunAsync(ops, tasks: 4, secondaries: secondaryCount);
        Console.WriteLine($"SetAsync x {ops:N0} (100 B, 4 tasks), {secondaryCount} secondaries caught up: {replicated:N0} ops/s (primary alone accepted {written:N0} ops/s)");
        return 0;
    case "replication":
        return await ReplicationBench.RunAsync(
            args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2_000_000,
            args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000);
    case "lag":
        await LagBench.ReplCacheAsync(10_000, 20_000); // warm-up: tiered compilation first, as in 'replication'
        for (int run = 0; run < 3; run++)
        {
            (double lagP50, double lagP99) = await LagBench.ReplCacheAsync(10_000, 20_000);
            Console.WriteLine($"replication lag at 10k writes/s: p50 {lagP50:F1} us, p99 {lagP99:F1} us");
        }

        return 0;
    case "resp":
        return ReplicationBench.RunRedisBenchmarkComparison(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2_000_000);
    case "persistence":
        return await PersistenceBench.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000);
    case "forward":
        return await ForwardBench.RunAsync(
            args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 500_000,
            args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 64,
            samples: 10_000);
    case "memory":
        MemoryFootprint.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000);
        return 0;
    default:
        Console.WriteLine("usage: dotnet run -c Release --project tests/ReplCache.Benchmarks -- micro [--filter *] | memory [entries] | replication [writes] [keys] | throughput [writes] | fullsync [keys] | persistence [keys] | lag | resp [requests] | forward [writes] [tasks]");
        return mode == "help" ? 0 : 2;
}
