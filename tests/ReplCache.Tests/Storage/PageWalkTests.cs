using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using ReplCache.Storage;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Storage;

/// <summary>
/// The walk in memory order that a full sync's snapshot takes (<see cref="PageWalk"/>): every entry in the table
/// once, none removed, expired or cleared, values whole; under a writer that churns other keys (blocks freed and
/// reused under the walk, pages released and their indexes reused), every untouched entry still exactly once and
/// never a torn or foreign value; and no walk across a staged load.
/// </summary>
public class PageWalkTests
{
    [Fact]
    public void Walk_HandsOverEveryLiveEntryOnce_AndNoRemovedExpiredOrClearedOne()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var store = new CacheStore(time, null);
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var expected = new Dictionary<string, byte[]>();
        for (int i = 0; i < 5_000; i++)
        {
            // Sizes across many classes; a few past the largest class (a page of their own), one past the narrow
            // value length (a wide header).
            int size = i switch { 10 => 100_000, 11 => 300_000, 12 => 2 * 1024 * 1024, _ => 1 + i % 700 };
            byte[] value = ChecksummedValue.Create(i, 0, size);
            store.Set(Key(i), value, 0, 0, now);
            expected[Key(i)] = value;
        }

        for (int i = 0; i < 5_000; i += 7)
        {
            store.Remove(Key(i));
            expected.Remove(Key(i));
        }

        for (int i = 1; i < 5_000; i += 5)
        {
            byte[] value = ChecksummedValue.Create(i, 1, 1 + (i * 13) % 900); // another block, the old one retired
            store.Set(Key(i), value, 0, 0, now);
            expected[Key(i)] = value;
        }

        for (int i = 5_000; i < 5_100; i++)
        {
            store.Set(Key(i), ChecksummedValue.Create(i, 0, 40), now + 1_000, 0, now); // expired by the walk
        }

        time.Advance(TimeSpan.FromSeconds(2));

        Dictionary<string, byte[]> walked = WalkAll(store, entriesPerStep: 97, out int duplicates);
        Assert.Equal(0, duplicates);
        Assert.Equal(expected.Count, walked.Count);
        foreach ((string key, byte[] value) in expected)
        {
            Assert.True(walked.TryGetValue(key, out byte[]? seen), $"{key} was not handed over");
            Assert.Equal(value, seen);
        }

        // A reader still inside its protection keeps the cleared pages from being released: the walk must skip them
        // (they are detached), not hand over what they still hold.
        using (var reading = new ManualResetEventSlim())
        using (var release = new ManualResetEventSlim())
        {
            var reader = new Thread(() =>
            {
                using StoreReadScope scope = store.BeginRead();
                reading.Set();
                release.Wait(TimeSpan.FromSeconds(30));
            });
            reader.Start();
            Assert.True(reading.Wait(TimeSpan.FromSeconds(30)));
            store.Clear();
            Assert.True(store.Heap.PageCount > 0, "the cleared pages were released at once: the walk's skip of detached pages is not exercised");
            Assert.Empty(WalkAll(store, entriesPerStep: 97, out _));
            release.Set();
            reader.Join();
        }

        Assert.Empty(WalkAll(store, entriesPerStep: 97, out _));
    }

    [Fact]
    public void Walk_UnderAChurningWriter_HandsOverEveryUntouchedEntryOnce_AndNeverATornOrRemovedValue()
    {
        using var store = new CacheStore(TimeProvider.System, null);
        long now = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
        const int Stable = 20_000;
        const int Dead = 2_000;
        for (int i = 0; i < Stable + Dead; i++)
        {
            store.Set(Key(i), ChecksummedValue.Create(i, 0, 20 + i % 300), 0, 0, now);
        }

        for (int i = Stable; i < Stable + Dead; i++)
        {
            store.Remove(Key(i)); // removed before every walk, and never written again
        }

        using var stop = new CancellationTokenSource();
        long writes = 0;
        var writer = new Thread(() =>
        {
            var random = new Random(11);
            for (int version = 1; !stop.IsCancellationRequested; version++)
            {
                // Hot keys overwritten and removed, so blocks are freed and reused under the walk.
                int hot = 100_000 + random.Next(64);
                if (random.Next(4) == 0)
                {
                    store.Remove(Key(hot));
                }
                else
                {
                    int size = random.Next(10) == 0 ? 70_000 + random.Next(100_000) : 16 + random.Next(600);
                    store.Set(Key(hot), ChecksummedValue.Create(hot, version, size), 0, 0, now);
                }

                // Now and then a batch that fills pages of one class and is removed whole, so pages are released
                // and their indexes handed to new pages while a walk is between its steps.
                if (version % 500 == 0)
                {
                    int size = 200 + random.Next(400);
                    for (int t = 0; t < 2_000; t++)
                    {
                        store.Set(Key(200_000 + t), ChecksummedValue.Create(200_000 + t, version, size), 0, 0, now);
                    }

                    for (int t = 0; t < 2_000; t++)
                    {
                        store.Remove(Key(200_000 + t));
                    }
                }

                Interlocked.Increment(ref writes);
            }
        });

        writer.Start();
        int walks = 0;
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        try
        {
            while (clock.Elapsed < TimeSpan.FromSeconds(3) && failures.Count == 0)
            {
                var seen = new Dictionary<int, int>();
                var sink = new CheckingSink(seen, failures, entriesPerStep: 50);
                PageWalk walk = store.BeginPageWalk();
                while (!walk.IsDone && failures.Count == 0)
                {
                    sink.Taken = 0;
                    walk.Step(ref sink);
                    Thread.Yield(); // the writer runs between steps, as it does while a sender waits on the network
                }

                for (int i = 0; i < Stable && failures.Count == 0; i++)
                {
                    int count = seen.GetValueOrDefault(i);
                    if (count != 1)
                    {
                        failures.Add($"walk {walks}: untouched key {i} handed over {count} times");
                    }
                }

                for (int i = Stable; i < Stable + Dead && failures.Count == 0; i++)
                {
                    if (seen.ContainsKey(i))
                    {
                        failures.Add($"walk {walks}: key {i}, removed before the walk, handed over");
                    }
                }

                walks++;
            }
        }
        finally
        {
            stop.Cancel();
            writer.Join();
        }

        Assert.True(failures.Count == 0, string.Join("; ", failures.Take(5)));
        Assert.True(walks >= 3 && writes > 10_000, $"too little to mean anything: {walks} walks, {writes} writes");
    }

    [Fact]
    public void Walk_RefusesToStartDuringAStagedLoad_AndFailsWhenOneOpensDuringIt()
    {
        using var store = new CacheStore(TimeProvider.System, null);
        store.Follow();
        for (int i = 0; i < 1_000; i++)
        {
            store.ApplySet(Encoding.UTF8.GetBytes(Key(i)), ChecksummedValue.Create(i, 0, 50), 0, 0, 0);
        }

        PageWalk walk = store.BeginPageWalk();
        var sink = new CheckingSink(new Dictionary<int, int>(), [], entriesPerStep: 10);
        walk.Step(ref sink);
        store.BeginStagedLoad();
        sink.Taken = 0;
        CheckingSink running = sink;
        Assert.Throws<InvalidOperationException>(() => walk.Step(ref running));
        Assert.Throws<InvalidOperationException>(() => store.BeginPageWalk());

        store.DropStagedLoad();
        Assert.Equal(1_000, WalkAll(store, entriesPerStep: 10, out _).Count);
    }

    private static Dictionary<string, byte[]> WalkAll(CacheStore store, int entriesPerStep, out int duplicates)
    {
        var walked = new Dictionary<string, byte[]>();
        var sink = new CopyingSink(walked, entriesPerStep);
        PageWalk walk = store.BeginPageWalk();
        while (!walk.IsDone)
        {
            sink.Taken = 0;
            walk.Step(ref sink);
        }

        duplicates = sink.Duplicates;
        return walked;
    }

    private static string Key(int id) => $"walk:{id}";

    private struct CopyingSink(Dictionary<string, byte[]> walked, int entriesPerStep) : IEntrySink
    {
        public int Taken;
        public int Duplicates;

        public readonly bool IsFull => Taken >= entriesPerStep;

        public void Accept(Entry entry)
        {
            Taken++;
            if (!walked.TryAdd(Encoding.UTF8.GetString(EntryLayout.Key(entry)), EntryLayout.Value(entry).ToArray()))
            {
                Duplicates++;
            }
        }
    }

    /// <summary>Counts each key id handed over, and records a value that is torn or another key's.</summary>
    private struct CheckingSink(Dictionary<int, int> seen, List<string> failures, int entriesPerStep) : IEntrySink
    {
        public int Taken;

        public readonly bool IsFull => Taken >= entriesPerStep;

        public void Accept(Entry entry)
        {
            Taken++;
            string key = Encoding.UTF8.GetString(EntryLayout.Key(entry));
            ReadOnlySpan<byte> value = EntryLayout.Value(entry);
            if (!key.StartsWith("walk:", StringComparison.Ordinal) || !int.TryParse(key.AsSpan(5), out int id))
            {
                failures.Add($"a foreign key handed over: {key}");
                return;
            }

            if (ChecksummedValue.Verify(id, value) is { } problem)
            {
                failures.Add(problem);
                return;
            }

            seen[id] = seen.GetValueOrDefault(id) + 1;
        }
    }
}
