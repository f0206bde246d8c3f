using System.Diagnostics;
using ReplCache.Storage;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Storage;

/// <summary>
/// Lock-free readers against a writer that overwrites and removes the same keys, so blocks are freed and reused
/// under the readers all the time: a reader must never see a torn, freed or foreign value.
/// </summary>
public class ConcurrentReuseStressTests
{
    private const int Keys = 32;

    [Fact]
    public void Readers_NeverSeeATornFreedOrForeignValue_WhileTheWriterReusesBlocks()
    {
        using var store = new CacheStore(TimeProvider.System, null);
        long now = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
        using var stop = new CancellationTokenSource();
        long reads = 0, hits = 0, writes = 0;
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();

        var writer = new Thread(() =>
        {
            var random = new Random(7);
            for (int version = 0; !stop.IsCancellationRequested; version++)
            {
                int key = random.Next(Keys);
                if (random.Next(5) == 0)
                {
                    store.Remove(KeyOf(key));
                }
                else
                {
                    // Sizes across several classes, so a freed block is reused by other keys' values; and headers
                    // of every shape (no deadline, absolute, sliding, both), so a block is reused with its key and
                    // value at another offset than the entry before had them.
                    long absolute = random.Next(3) == 0 ? long.MaxValue : 0;
                    long sliding = random.Next(3) == 0 ? 3_600_000 : 0;
                    store.Set(KeyOf(key), ChecksummedValue.Create(key, version, 16 + random.Next(600)), absolute, sliding, now);
                }

                Interlocked.Increment(ref writes);
            }
        });

        var readers = Enumerable.Range(0, 3).Select(r => new Thread(() =>
        {
            var random = new Random(100 + r);
            while (!stop.IsCancellationRequested)
            {
                int key = random.Next(Keys);
                using StoreReadScope scope = store.BeginRead();
                Interlocked.Increment(ref reads);
                // One reader renews sliding entries as it reads, writing into blocks the writer may have retired.
                if (!store.TryGetValue(scope, KeyOf(key), renewSliding: r == 0, out ReadOnlySpan<byte> value))
                {
                    continue;
                }

                Interlocked.Increment(ref hits);

                // Spin inside the protection a little, as a slow reader copying a value would, so the writer
                // retires and tries to reuse blocks while this one is still being read.
                Thread.SpinWait(random.Next(50));
                if (ChecksummedValue.Verify(key, value) is { } problem)
                {
                    failures.Enqueue(problem);
                    stop.Cancel();
                }
            }
        })).ToList();

        writer.Start();
        readers.ForEach(t => t.Start());
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(3) && failures.IsEmpty)
        {
            Thread.Sleep(50);
        }

        stop.Cancel();
        writer.Join();
        readers.ForEach(t => t.Join());

        Assert.True(failures.IsEmpty, string.Join("; ", failures.Take(5)));
        Assert.True(writes > 10_000 && hits > 10_000, $"too little contention to mean anything: {writes} writes, {hits} hits of {reads} reads");
        Assert.True(store.Heap.RetiredCount < 10_000, $"{store.Heap.RetiredCount} blocks wait to be reused: reclamation is stuck");
    }

    private static string KeyOf(int key) => $"stress:{key}";
}
