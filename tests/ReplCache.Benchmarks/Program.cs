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
    case "memory":
        MemoryFootprint.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000);
        return 0;
    default:
        Console.WriteLine("usage: dotnet run -c Release --project tests/ReplCache.Benchmarks -- micro [--filter *] | memory [entries]");
        return mode == "help" ? 0 : 2;
}
