using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using ReplCache.Hosting;

namespace ReplCache.Benchmarks;

/// <summary>
/// The stores the process-level benches (gcpause, rss) fill in a child process: keys <c>key:&lt;i&gt;</c>, fresh
/// 100-byte values. The <c>none</c> case makes the same keys and values and drops them, so that what it leaves behind
/// (the runtime, the allocation the filling caused) can be taken away from the others.
/// </summary>
internal static class FilledStore
{
    public const int ValueSize = 100;

    public static readonly string[] Kinds = ["none", "replcache", "memory"];

    public static string Describe(string kind) => kind switch
    {
        "none" => "no entries",
        "replcache" => "ReplCache (NodeCore store)",
        "memory" => "MemoryDistributedCache",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown store kind."),
    };

    /// <summary>Fills a store of <paramref name="kind"/>; the caller keeps the returned object alive while it measures.</summary>
    public static object? Fill(string kind, int entries)
    {
        var options = new DistributedCacheEntryOptions();
        switch (kind)
        {
            case "none":
                long kept = 0;
                for (int i = 0; i < entries; i++)
                {
                    kept += Key(i).Length + new byte[ValueSize].Length;
                }

                return kept;
            case "replcache":
                // What AddReplicatedCache builds in a host, without its listener: the store, the replication log.
                var core = new NodeCore(new ReplicatedCacheOptions());
                for (int i = 0; i < entries; i++)
                {
                    core.Cache.Set(Key(i), new byte[ValueSize], options);
                }

                return core;
            case "memory":
                var memory = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
                for (int i = 0; i < entries; i++)
                {
                    memory.Set(Key(i), new byte[ValueSize], options);
                }

                return memory;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown store kind.");
        }
    }

    public static string Key(int i) => $"key:{i}";
}
