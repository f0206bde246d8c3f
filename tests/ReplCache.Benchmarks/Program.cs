using BenchmarkDotNet.Running;
using ReplCache.Benchmarks;

// Modes:
//   micro [BenchmarkDotNet args]   local Get/Set/TryGet benchmarks (BenchmarkDotNet)
//   memory [entries]               managed bytes per entry after a full GC
string mode = args.Length > 0 ? args[0] : "help";
switch (mode)
{
    case "micro":
        BenchmarkSwitcher.FromTypes([typeof(CacheBenchmarks)]).Run(args[1..]);
        return 0;
    case "fullsync":
        int keys = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
        TimeSpan took = await FullSyncBench.RunAsync(keys);
        Console.WriteLine($"full sync of {keys:N0} keys x 100 B to 2 secondaries: {took.TotalSeconds:F2} s");
        return 0;
    case "throughput":
        int ops = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2_000_000;
        (double replicated, double written) = await WriteThroughputBench.RunAsync(ops, tasks: 4);
        Console.WriteLine($"SetAsync x {ops:N0} (100 B, 4 tasks), 2 secondaries caught up: {replicated:N0} ops/s (primary alone accepted {written:N0} ops/s)");
        return 0;
    case "memory":
        MemoryFootprint.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000);
        return 0;
    default:
        Console.WriteLine("usage: dotnet run -c Release --project tests/ReplCache.Benchmarks -- micro [--filter *] | memory [entries]");
        return mode == "help" ? 0 : 2;
}
