using System.Text;
using ReplCache.Storage;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Storage;

/// <summary>
/// A full sync's staged load (Redis's repl-diskless-load swapdb) in the store alone: readers see the old entries until
/// the swap, exactly the staged ones after it, and the old ones again if the load is dropped; no reader ever meets a
/// block the swap retired while it still reads it.
/// </summary>
public class StagedLoadTests
{
    private static readonly TimeProvider Clock = TimeProvider.System;

    [Fact]
    public void WhileStaging_ReadsSeeTheOldEntries_AndTheSwapShowsExactlyTheStagedOnes()
    {
        using var store = Follower();
        for (int i = 0; i < 100; i++)
        {
            store.ApplySet(Key($"old{i}"), Value("old", i), 0, 0, 0);
        }

        string oldDigest = store.ComputeDigest();
        long oldSize = store.SizeBytes;

        using var expected = Follower();
        long deadline = Clock.GetUtcNow().ToUnixTimeMilliseconds() + 3_600_000;
        lock (store.WriteLock)
        {
            store.BeginStagedLoad();
            for (int i = 0; i < 60; i++)
            {
                // Half the keys are the old ones with new values, half are new.
                string key = i % 2 == 0 ? $"old{i}" : $"new{i}";
                store.ApplySet(Key(key), Value("new", i), 0, 3_600_000, deadline);
                expected.ApplySet(Key(key), Value("new", i), 0, 3_600_000, deadline);
            }

            store.ApplyRemove(Key("new1"));
            expected.ApplyRemove(Key("new1"));
            Assert.True(store.ApplyTouch(Key("new3"), deadline + 1_000));
            expected.ApplyTouch(Key("new3"), deadline + 1_000);
            Assert.False(store.ApplyTouch(Key("old1"), deadline + 1_000)); // the old entry is not sliding, and not staged
        }

        Assert.Equal(oldDigest, store.ComputeDigest());
        Assert.Equal(100, store.PhysicalCount);
        Assert.Equal(59, store.StagedCount);
        Assert.Equal(oldSize, store.SizeBytes);
        AssertValue(store, "old0", Value("old", 0));
        AssertValue(store, "old1", Value("old", 1));
        Assert.Null(Read(store, "new5"));

        store.SwapInStagedLoad();

        Assert.False(store.IsStaging);
        Assert.Equal(expected.ComputeDigest(), store.ComputeDigest());
        Assert.Equal(59, store.PhysicalCount);
        Assert.Equal(expected.SizeBytes, store.SizeBytes);
        Assert.Equal(0, store.StagedCount);
        AssertValue(store, "old0", Value("new", 0));
        Assert.Null(Read(store, "old1"));
        Assert.Equal(deadline + 1_000, store.SlidingDeadlinesOf(Key("new3"))?.Own);
    }

    [Fact]
    public void ADroppedLoad_LeavesTheOldEntries_AndGivesItsMemoryBack()
    {
        using var store = Follower();
        for (int i = 0; i < 1_000; i++)
        {
            store.ApplySet(Key($"old{i}"), Value("old", i), 0, 0, 0);
        }

        string oldDigest = store.ComputeDigest();
        long reservedBefore = store.ReservedBytes;

        store.BeginStagedLoad();
        for (int i = 0; i < 20_000; i++)
        {
            store.ApplySet(Key($"new{i}"), new byte[200], 0, 0, 0);
        }

        store.ApplyClear(); // a Clear record during the sync clears the staged load, not the old entries
        Assert.Equal(0, store.StagedCount);
        Assert.Equal(1_000, store.PhysicalCount);
        for (int i = 0; i < 20_000; i++)
        {
            store.ApplySet(Key($"new{i}"), new byte[200], 0, 0, 0);
        }

        Assert.True(store.ReservedBytes > reservedBefore + 20_000 * 200, "the staged entries are held beside the old ones");
        Assert.Equal(20_000, store.DropStagedLoad());
        lock (store.WriteLock)
        {
            store.Heap.Reclaim();
        }

        Assert.False(store.IsStaging);
        Assert.Equal(oldDigest, store.ComputeDigest());
        Assert.Equal(1_000, store.PhysicalCount);
        Assert.True(store.ReservedBytes < reservedBefore + 2 * 1024 * 1024, $"the dropped load's pages are released ({store.ReservedBytes} bytes held, {reservedBefore} before)");
    }

    [Fact]
    public void LeadingTheStore_DropsAStagedLoad()
    {
        using var store = Follower();
        store.ApplySet(Key("old"), Value("old", 0), 0, 0, 0);
        store.BeginStagedLoad();
        store.ApplySet(Key("new"), Value("new", 0), 0, 0, 0);

        store.Lead(new NullObserver());

        Assert.False(store.IsStaging);
        Assert.Equal(1, store.PhysicalCount);
        AssertValue(store, "old", Value("old", 0));
    }

    [Fact]
    public async Task ReadersDuringRepeatedSwaps_SeeEveryValueWhole_FromOneGenerationOrTheNext()
    {
        using var store = Follower();
        const int keys = 2_000;
        for (int i = 0; i < keys; i++)
        {
            store.ApplySet(Key($"k{i}"), Generation(0, i), 0, 0, 0);
        }

        using var stop = new CancellationTokenSource();
        int generation = 0;
        long reads = 0;
        Task[] readers = [.. Enumerable.Range(0, 2).Select(r => Task.Run(() =>
        {
            var random = new Random(r);
            while (!stop.IsCancellationRequested)
            {
                int at = Volatile.Read(ref generation);
                int i = random.Next(keys);
                byte[] key = Key($"k{i}");
                using StoreReadScope scope = store.BeginRead();
                Assert.True(store.TryGetValue(scope, key, renewSliding: false, out ReadOnlySpan<byte> value), $"k{i} missing");
                int seen = BitConverter.ToInt32(value);
                int latest = Volatile.Read(ref generation);

                // Never older than the last swap done before the read began; at most the one being published.
                Assert.True(seen >= at && seen <= latest + 1, $"k{i} of generation {seen} read between generations {at} and {latest}");
                Assert.True(value.SequenceEqual(Generation(seen, i)), $"k{i} of generation {seen} is not whole");
                Interlocked.Increment(ref reads);
            }
        }))];

        await Poll.UntilAsync(() => Interlocked.Read(ref reads) > 0, "the readers to start");
        long readsBefore = Interlocked.Read(ref reads);

        // 30 swaps at least, and as many more as it takes for the readers to have read across them.
        for (int g = 1; g <= 30 || (Interlocked.Read(ref reads) < readsBefore + 10_000 && g < 10_000); g++)
        {
            store.BeginStagedLoad();
            for (int i = 0; i < keys; i++)
            {
                store.ApplySet(Key($"k{i}"), Generation(g, i), 0, 0, 0);
            }

            store.SwapInStagedLoad();
            Volatile.Write(ref generation, g);
            lock (store.WriteLock)
            {
                store.Heap.Reclaim(); // frees what the swap retired, once no reader is in it
            }
        }

        await stop.CancelAsync();
        await Task.WhenAll(readers);
        Assert.True(Interlocked.Read(ref reads) >= readsBefore + 10_000, "the readers were starved throughout");
        Assert.Equal(keys, store.PhysicalCount);
    }

    private static CacheStore Follower()
    {
        var store = new CacheStore(Clock, null);
        store.Follow();
        return store;
    }

    private static byte[] Key(string key) => Encoding.UTF8.GetBytes(key);

    private static byte[] Value(string kind, int i) => Encoding.UTF8.GetBytes($"{kind}-value-{i}");

    /// <summary>The generation number, then a pattern of the key's index and the generation, 64 bytes in all.</summary>
    private static byte[] Generation(int generation, int i)
    {
        byte[] value = new byte[64];
        BitConverter.TryWriteBytes(value, generation);
        for (int b = 4; b < value.Length; b++)
        {
            value[b] = (byte)(i * 31 + generation * 7 + b);
        }

        return value;
    }

    private static byte[]? Read(CacheStore store, string key)
    {
        using StoreReadScope scope = store.BeginRead();
        return store.TryGetValue(scope, Key(key), renewSliding: false, out ReadOnlySpan<byte> value) ? value.ToArray() : null;
    }

    private static void AssertValue(CacheStore store, string key, byte[] expected) => Assert.Equal(expected, Read(store, key));

    private sealed class NullObserver : IStoreObserver
    {
        public void OnSet(Entry blob, long loggedDeadlineMs)
        {
        }

        public void OnRemoved(ReadOnlySpan<byte> key, RemovalReason reason)
        {
        }

        public void OnTouched(ReadOnlySpan<byte> key, long deadline)
        {
        }

        public void OnCleared()
        {
        }
    }
}
