using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using ReplCache.Hosting;
using ReplCache.Replication;

namespace ReplCache.Benchmarks;

/// <summary>
/// Managed bytes per entry after a full GC, for 1M entries of 100 bytes, and the overhead beyond the key's
/// UTF-16 and the value's bytes. Each key and value is made on the fly so the only references left are
/// the cache's own. This is what the GC counts, not what the process pays: the rss mode measures resident bytes,
/// native allocations and the GC's retained space included, each case in a process of its own.
/// </summary>
internal static class MemoryFootprint
{
    private const int ValueSize = 100;

    public static void Run(int entries)
    {
        long payload = 0;
        for (int i = 0; i < entries; i++)
        {
            payload += 2L * Key(i).Length + ValueSize;
        }

        double payloadPerEntry = (double)payload / entries;
        Console.WriteLine($"entries: {entries:N0}, value {ValueSize} B, keys \"key:<i>\" (mean payload {payloadPerEntry:F1} B = key UTF-16 + value)");
        Console.WriteLine("GC heap only (GC.GetTotalMemory after full collections); resident bytes per entry: the rss mode");
        Console.WriteLine($"{"cache",-28} {"bytes/entry",12} {"overhead/entry",15}");
        long backlog = 0;
        Report("ReplicatedCache (store)", entries, payloadPerEntry, () =>
        {
            var controller = new NodeCore(new ReplicatedCacheOptions());
            for (int i = 0; i < entries; i++)
            {
                controller.Cache.Set(Key(i), new byte[ValueSize], new DistributedCacheEntryOptions());
            }

            backlog = controller.ReplicationLog.RetainedBytes;
            return controller;
        }, fixedBytes: () => backlog);
        Console.WriteLine($"  + replication backlog, a fixed cost set by BacklogSizeBytes (not per entry): {backlog / 1048576.0:F1} MiB");
        Report("MemoryDistributedCache", entries, payloadPerEntry, () =>
        {
            var cache = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
            for (int i = 0; i < entries; i++)
            {
                cache.Set(Key(i), new byte[ValueSize], new DistributedCacheEntryOptions());
            }

            return cache;
        });
        Report("ConcurrentDictionary", entries, payloadPerEntry, () =>
        {
            var dictionary = new ConcurrentDictionary<string, byte[]>();
            for (int i = 0; i < entries; i++)
            {
                dictionary[Key(i)] = new byte[ValueSize];
            }

            return dictionary;
        });
    }

    private static string Key(int i) => $"key:{i}";

    private static void Report(string name, int entries, double payloadPerEntry, Func<object> fill, Func<long>? fixedBytes = null)
    {
        long before = FullGcMemory();
        object cache = fill();
        long after = FullGcMemory();
        GC.KeepAlive(cache);
        double perEntry = (double)(after - before - (fixedBytes?.Invoke() ?? 0)) / entries;
        Console.WriteLine($"{name,-28} {perEntry,12:F1} {perEntry - payloadPerEntry,15:F1}");
        (cache as IDisposable)?.Dispose();
        (cache as IAsyncDisposable)?.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    private static long FullGcMemory()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
