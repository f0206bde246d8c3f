using System.Globalization;
using ReplCache.Hosting;

namespace ReplCache.Benchmarks;

/// <summary>
/// Resident memory per entry beyond the 100-byte value: what the process pays (its RSS, native allocations included),
/// not only what the GC counts. Each .NET case fills a store in its own process and reads its RSS after a full GC,
/// before and after filling; Redis's figure is <c>used_memory_rss</c> before and after the same keys are SET. Beside
/// the live GC heap it shows what the GC keeps committed (fragmentation and free space it has not given back: what
/// made outgrown tables on the large object heap cost resident memory), so RSS can be told apart from the heap.
/// </summary>
internal static class ResidentMemoryBench
{
    public const string ChildMode = "child-rss";

    public static int Run(int entries)
    {
        Console.WriteLine($"resident bytes per entry beyond the {FilledStore.ValueSize}-byte value, {entries:N0} keys \"key:<i>\", each .NET case in its own process");
        var cases = new Dictionary<string, double[]>();
        foreach (string kind in FilledStore.Kinds)
        {
            cases[kind] = IsolatedCase.Run(TimeSpan.FromMinutes(3), ChildMode, kind, entries.ToString(CultureInfo.InvariantCulture));
        }

        // figures: RSS before, RSS after, GC heap before, GC heap after, replication log retained, GC committed before, after,
        // and for ReplCache: bytes of its slab pages, their number, its table's slots
        double churn = cases["none"][1] - cases["none"][0];
        Console.WriteLine($"  a process that made the same keys and values and kept none: RSS +{churn / 1048576:F1} MiB (kept in the other figures: the host pays it too)");
        Console.WriteLine($"  {"store",-28} {"RSS delta",10} {"RSS/entry - value",18} {"less the churn",15} {"less the backlog",17} {"GC heap - value",16} {"GC committed - value",21}");
        foreach (string kind in FilledStore.Kinds.Skip(1))
        {
            double[] f = cases[kind];
            double rss = f[1] - f[0];
            Console.WriteLine($"  {FilledStore.Describe(kind),-28} {rss / 1048576,6:F0} MiB {rss / entries - FilledStore.ValueSize,18:F1} {(rss - churn) / entries - FilledStore.ValueSize,15:F1} {(rss - f[4]) / entries - FilledStore.ValueSize,17:F1} {(f[3] - f[2]) / entries - FilledStore.ValueSize,16:F1} {(f[6] - f[5]) / entries - FilledStore.ValueSize,21:F1}");
        }

        Console.WriteLine($"  (ReplCache's replication log held {cases["replcache"][4] / 1048576:F1} MiB: with no secondary, no backlog, only the segment being written, as Redis below, which has no replica, keeps none)");

        // Where ReplCache's bytes go: its entries' blocks and its table's slots (what grows with the entries), and what
        // a node costs before its first entry (code, the runtime's native data, the log's segment), which the figures
        // above spread over the entries.
        double[] r = cases["replcache"];
        Console.WriteLine($"  ReplCache per entry beyond the value: entry blocks {r[7] / entries - FilledStore.ValueSize:F1} ({r[8]:N0} slab pages), table {r[9] * 8 / entries:F1} ({r[9]:N0} slots of 8 bytes, load {entries / r[9]:F2})");
        double[] one = IsolatedCase.Run(TimeSpan.FromMinutes(1), ChildMode, "replcache", "1");
        double fixedCost = one[1] - one[0];
        Console.WriteLine($"  a node holding one entry: RSS +{fixedCost / 1048576:F1} MiB, {fixedCost / entries:F1} of the per-entry figure at {entries:N0} entries (not per entry: the node's fixed cost)");

        double ours = (cases["replcache"][1] - cases["replcache"][0]) / entries - FilledStore.ValueSize;
        double oursLessBacklog = ours - cases["replcache"][4] / entries;
        if (!RedisPeer.IsInstalled)
        {
            Console.WriteLine("redis-server not installed: the Redis figure is skipped.");
            return 0;
        }

        double redis = RedisPerKey(entries);
        Console.WriteLine($"  {"Redis used_memory_rss",-28} {"",10} {redis,18:F1}");
        Console.WriteLine($"ReplCache / Redis, per entry beyond the value: {ours / redis:F2}x ({oursLessBacklog / redis:F2}x less the backlog; target <= 0.75x)");
        return 0;
    }

    /// <summary>The child: RSS and GC heap after a full GC, before and after filling.</summary>
    public static int RunChild(string kind, int entries)
    {
        SettleHeap();
        long rssBefore = ResidentBytes(), heapBefore = GC.GetTotalMemory(forceFullCollection: false), committedBefore = Committed();
        object? store = FilledStore.Fill(kind, entries);
        SettleHeap();
        long rssAfter = ResidentBytes(), heapAfter = GC.GetTotalMemory(forceFullCollection: false), committedAfter = Committed();
        long backlog = store is NodeCore core ? core.ReplicationLog.RetainedBytes : 0;
        (long pageBytes, int pages, int slots) = store is NodeCore node ? (node.Store.ReservedBytes, node.Store.Heap.PageCount, node.Store.TableCapacity) : (0, 0, 0);
        GC.KeepAlive(store);
        IsolatedCase.Report(rssBefore, rssAfter, heapBefore, heapAfter, backlog, committedBefore, committedAfter, pageBytes, pages, slots);
        (store as IDisposable)?.Dispose();
        return 0;
    }

    /// <summary>Bytes the GC holds committed after the last collection: live objects, fragmentation, free space it kept.</summary>
    private static long Committed() => GC.GetGCMemoryInfo(GCKind.Any).TotalCommittedBytes;

    private static void SettleHeap()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    /// <summary>The process's resident set (VmRSS): GC heap, native allocations, code, stacks.</summary>
    private static long ResidentBytes()
    {
        if (OperatingSystem.IsLinux())
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
                }
            }
        }

        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return self.WorkingSet64;
    }

    private static double RedisPerKey(int entries)
    {
        using RedisPeer redis = RedisPeer.Start();
        using RespClient client = redis.Connect();
        long before = RedisPeer.Field(redis.Info("memory"), "used_memory_rss");
        string value = new('v', FilledStore.ValueSize);
        const int Batch = 1000;
        var commands = new List<string[]>(Batch);
        for (int i = 0; i < entries; i += Batch)
        {
            commands.Clear();
            for (int j = i; j < Math.Min(entries, i + Batch); j++)
            {
                commands.Add(["SET", FilledStore.Key(j), value]);
            }

            client.Pipeline(commands);
        }

        if (client.Call("DBSIZE") != entries.ToString(CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException("Redis does not hold the keys the bench set.");
        }

        long after = RedisPeer.Field(redis.Info("memory"), "used_memory_rss");
        return (double)(after - before) / entries - FilledStore.ValueSize;
    }
}
