using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Caching.Distributed;

namespace ReplCache.Benchmarks;

/// <summary>Save and load of 1M entries of 100 bytes: ReplCache's snapshot beside Redis's SAVE and restart, in one run.</summary>
internal static class PersistenceBench
{
    public static async Task<int> RunAsync(int keys)
    {
        string dir = Directory.CreateTempSubdirectory("replcache-bench-snapshot-").FullName;
        try
        {
            string file = Path.Combine(dir, "dump.rcs");
            double save, load;
            await using (ReplicatedCacheNode node = await ReplicatedCacheNode.StartAsync(new ReplicatedCacheOptions { Listen = "http://127.0.0.1:0", SnapshotPath = file }))
            {
                byte[] value = new byte[100];
                for (int i = 0; i < keys; i++)
                {
                    node.Cache.Set($"key:{i}", value, new DistributedCacheEntryOptions());
                }

                await node.SaveAsync(); // warm-up
                var clock = Stopwatch.StartNew();
                await node.SaveAsync();
                save = clock.Elapsed.TotalSeconds;
            }

            var loading = Stopwatch.StartNew();
            await using (ReplicatedCacheNode loaded = await ReplicatedCacheNode.StartAsync(new ReplicatedCacheOptions { Listen = "http://127.0.0.1:0", SnapshotPath = file }))
            {
                load = loading.Elapsed.TotalSeconds;
                if (loaded.Cache.Count != keys)
                {
                    throw new InvalidOperationException($"Loaded {loaded.Cache.Count} entries, expected {keys}.");
                }
            }

            Console.WriteLine($"snapshot of {keys:N0} keys x 100 B ({new FileInfo(file).Length / 1e6:F0} MB): ReplCache save {save:F2} s, load (node start) {load:F2} s");
            if (RedisPeer.IsInstalled)
            {
                (double redisSave, double redisLoad, long bytes) = Redis(keys, dir);
                Console.WriteLine($"  Redis SAVE {redisSave:F2} s, restart until loaded {redisLoad:F2} s ({bytes / 1e6:F0} MB RDB)");
                Console.WriteLine($"  ratio: save {redisSave / save:F2}x, load {redisLoad / load:F2}x in ReplCache's favour");
            }
            else
            {
                Console.WriteLine("  redis-server not installed: Redis figures skipped.");
            }

            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static (double Save, double Load, long Bytes) Redis(int keys, string dir)
    {
        int port;
        string rdbDir;
        double save;
        using (RedisPeer redis = RedisPeer.Start())
        {
            port = redis.Port;
            using RespClient client = redis.Connect();
            client.Call("DEBUG", "POPULATE", keys.ToString(CultureInfo.InvariantCulture), "key", "100");
            rdbDir = client.Call("CONFIG", "GET", "dir")!.Split('\n')[1];
            client.Call("SAVE"); // warm-up
            var clock = Stopwatch.StartNew();
            client.Call("SAVE");
            save = clock.Elapsed.TotalSeconds;
            File.Copy(Path.Combine(rdbDir, "dump.rdb"), Path.Combine(dir, "dump.rdb"), overwrite: true);
        }

        long bytes = new FileInfo(Path.Combine(dir, "dump.rdb")).Length;
        var loading = Stopwatch.StartNew();
        using RedisPeer restarted = RedisPeer.StartWithData(dir);
        restarted.WaitUntil(() => Loaded(restarted, keys), "Redis to load its RDB");
        return (save, loading.Elapsed.TotalSeconds, bytes);
    }

    private static bool Loaded(RedisPeer redis, int keys)
    {
        try
        {
            using RespClient client = redis.Connect();
            return client.Call("DBSIZE") == keys.ToString(CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException ex) when (ex.Message.Contains("LOADING", StringComparison.Ordinal))
        {
            return false;
        }
    }
}
