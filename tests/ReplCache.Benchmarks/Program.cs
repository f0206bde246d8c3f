using BenchmarkDotNet.Running;
using ReplCache.Benchmarks;

// Modes:
//   micro [BenchmarkDotNet args]   local Get/Set/TryGet benchmarks (BenchmarkDotNet)
//   memory [entries]               managed bytes per entry after a full GC
//   replication [writes] [keys]    end-to-end: write throughput, lag, full sync, beside redis-server
//   throughput [writes] [secondaries] | fullsync [keys]   one part of the above, ReplCache only
//   persistence [keys]             snapshot save and load beside Redis's SAVE and restart
//   lag                            replication lag p50/p99 at 10k writes/s, three runs after a warm-up, beside Redis
//   resp [requests]                redis-benchmark -t set,get -P 16 against replcache-server and redis-server (2 replicas each)
//   forward [writes] [tasks]       writes forwarded by a secondary (ReplicaWrites = ForwardToPrimary): throughput, latency
string mode = args.Length > 0 ? args[0] : "help";
int Arg(int index, int otherwise) => args.Length > index ? int.Parse(args[index], System.Globalization.CultureInfo.InvariantCulture) : otherwise;
switch (mode)
{
    case "micro":
        BenchmarkSwitcher.FromTypes([typeof(CacheBenchmarks), typeof(ApplyBenchmarks)]).Run(args[1..]);
        return 0;
    case "fullsync":
        int keys = Arg(1, 1_000_000);
        await FullSyncBench.RunAsync(100_000); // warm-up: let tiered compilation reach the optimised code first
        TimeSpan took = await FullSyncBench.RunAsync(keys);
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
    case "persistence":
        return await PersistenceBench.RunAsync(Arg(1, 1_000_000));
    case "forward":
        return await ForwardBench.RunAsync(Arg(1, 500_000), Arg(2, 64), samples: 10_000);
    case "memory":
        MemoryFootprint.Run(Arg(1, 1_000_000));
        return 0;
    default:
        Console.WriteLine("usage: dotnet run -c Release --project tests/ReplCache.Benchmarks -- micro [--filter *] | memory [entries] | replication [writes] [keys] | throughput [writes] [secondaries] | fullsync [keys] | persistence [keys] | lag | resp [requests] | forward [writes] [tasks]");
        return mode == "help" ? 0 : 2;
}
