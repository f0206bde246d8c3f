using System.Diagnostics;
using System.Globalization;
using System.Runtime;

namespace ReplCache.Benchmarks;

/// <summary>
/// What a cache costs its host in garbage-collection pauses: the time of a full blocking GC in a process holding N
/// entries of 100 B, minus the same in a process holding none. Each case runs in its own process (a clean heap).
/// Redis holds nothing in the host, so its figure is zero by construction.
/// </summary>
internal static class GcPauseBench
{
    public const string ChildMode = "child-gcpause";
    private const int Collections = 7;

    public static int Run(int entries)
    {
        Console.WriteLine($"full blocking GC (gen 2, not compacting), median of {Collections}, {entries:N0} entries x {FilledStore.ValueSize} B, each case in its own process");
        Console.WriteLine($"GC: {(GCSettings.IsServerGC ? "server" : "workstation")}, concurrent {GCSettings.LatencyMode != GCLatencyMode.Batch}, {Environment.ProcessorCount} cores");
        var medians = new Dictionary<string, double>();
        foreach (string kind in FilledStore.Kinds)
        {
            double[] figures = IsolatedCase.Run(TimeSpan.FromMinutes(3), ChildMode, kind, entries.ToString(CultureInfo.InvariantCulture));
            medians[kind] = figures[0];
            Console.WriteLine($"  {FilledStore.Describe(kind),-28} {figures[0],9:F1} ms   (min {figures[1]:F1}, max {figures[2]:F1}; heap {figures[3] / 1048576:N0} MiB)");
        }

        double millions = entries / 1e6;
        foreach (string kind in FilledStore.Kinds.Skip(1))
        {
            double added = medians[kind] - medians["none"];
            Console.WriteLine($"{FilledStore.Describe(kind),-28} +{added:F1} ms over no entries, {added / millions:F1} ms per million entries");
        }

        double ratio = (medians["replcache"] - medians["none"]) / (medians["memory"] - medians["none"]);
        Console.WriteLine($"ReplCache / MemoryDistributedCache: {ratio:F2}x; target for ReplCache: <= 5 ms at 4M entries; Redis: 0 ms in the host");
        return 0;
    }

    /// <summary>The child: fill, settle the heap, then time full blocking collections.</summary>
    public static int RunChild(string kind, int entries)
    {
        object? store = FilledStore.Fill(kind, entries);

        // Settle once: everything the store keeps reaches gen 2 and the filling's garbage is gone, as in a host that
        // has held its cache for a while. The timed collections then see a steady heap.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: false);
        var pauses = new double[Collections];
        for (int i = 0; i < Collections; i++)
        {
            long started = Stopwatch.GetTimestamp();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: false);
            pauses[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        long heap = GC.GetTotalMemory(forceFullCollection: false);
        GC.KeepAlive(store);
        Array.Sort(pauses);
        IsolatedCase.Report(pauses[Collections / 2], pauses[0], pauses[^1], heap);
        (store as IDisposable)?.Dispose();
        return 0;
    }
}
