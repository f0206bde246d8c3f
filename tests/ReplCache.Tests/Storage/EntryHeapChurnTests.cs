using System.Buffers.Binary;
using ReplCache.Storage;
using ReplCache.Storage.Memory;

namespace ReplCache.Tests.Storage;

/// <summary>The store's own allocator under churn: no entry corrupts a neighbour, and removal gives the memory back.</summary>
public class EntryHeapChurnTests
{
    private static readonly TimeProvider Clock = TimeProvider.System;

    [Fact]
    public void SeededChurn_OfSetsRemovesAndOverwrites_KeepsEveryValueIntact_AndReturnsMemoryAfterRemoval()
    {
        using var store = new CacheStore(Clock, null);
        var random = new Random(20261201);
        var expected = new Dictionary<string, (int Length, int Version)>();
        const int keys = 400;
        long now = Clock.GetUtcNow().ToUnixTimeMilliseconds();
        for (int step = 0; step < 20_000; step++)
        {
            string key = KeyOf(random.Next(keys));
            if (random.Next(4) == 0)
            {
                store.Remove(key);
                expected.Remove(key);
            }
            else
            {
                int length = NextLength(random);
                byte[] value = Pattern(key, step, length);

                // Headers of every shape, so blocks are reused with the key and value at other offsets.
                long absolute = random.Next(3) == 0 ? long.MaxValue : 0;
                long sliding = random.Next(3) == 0 ? 3_600_000 : 0;
                store.Set(key, value, absolute, sliding, now);
                expected[key] = (length, step);
            }

            if (step % 997 == 0)
            {
                AssertMatches(store, expected);
            }
        }

        AssertMatches(store, expected);
        Assert.Equal(expected.Count, store.PhysicalCount);

        foreach (string key in expected.Keys)
        {
            store.Remove(key);
        }

        store.Heap.Reclaim();
        Assert.Equal(0, store.Heap.RetiredCount);

        // Each size class keeps at most one page with room (so churn does not allocate a page per cycle); every
        // large entry's own array and every other page is gone.
        long bound = Enumerable.Range(0, SizeClasses.Count).Sum(c => (long)SlabAllocator.PageBytes(c));
        Assert.InRange(store.ReservedBytes, 0, bound);
        Assert.InRange(store.Heap.PageCount, 0, SizeClasses.Count);
        Assert.Equal(0, store.SizeBytes);
    }

    [Fact]
    public void Clear_ReleasesEveryPage_AndTheStoreIsUsableAfter()
    {
        using var store = new CacheStore(Clock, null);
        long now = Clock.GetUtcNow().ToUnixTimeMilliseconds();
        for (int i = 0; i < 5_000; i++)
        {
            store.Set($"k{i}", Pattern($"k{i}", i, 100 + (i % 300)), 0, 0, now);
        }

        store.Set("large", Pattern("large", 1, 3 * 1024 * 1024), 0, 0, now);
        Assert.True(store.ReservedBytes > 3 * 1024 * 1024);

        store.Clear();
        Assert.Equal(0, store.ReservedBytes);
        Assert.Equal(0, store.Heap.PageCount);

        store.Set("after", Pattern("after", 7, 50), 0, 0, now);
        AssertMatches(store, new Dictionary<string, (int, int)> { ["after"] = (50, 7) });
    }

    [Fact]
    public void EveryBlockSize_FitsItsEntry_AndWastesAtMostASixteenth()
    {
        Assert.True(SizeClasses.Count <= byte.MaxValue + 1, "the class lookup holds classes as bytes");
        for (int size = EntryShape.BaseSize; size <= SizeClasses.MaxSlabBlock; size++)
        {
            int block = SizeClasses.BlockSize(SizeClasses.ClassOf(size));
            Assert.True(block >= size, $"{size} bytes were given a {block}-byte block");
            Assert.True(block % 8 == 0, $"{block}-byte blocks would misalign the 8-byte header fields");
            Assert.True(size <= 256 ? block - size < 8 : block - size <= size / 16, $"{size} bytes in a {block}-byte block");
        }
    }

    /// <summary>Short keys, and one in ten over the 1023 bytes an entry's header holds the length of itself (a wide header).</summary>
    private static string KeyOf(int id) => id % 10 == 0 ? $"key:{id}:{new string('w', 1100)}" : $"key:{id}";

    /// <summary>Mostly small values, some across the class boundaries, a few of several MiB (pages of their own).</summary>
    private static int NextLength(Random random) => random.Next(100) switch
    {
        < 60 => random.Next(0, 300),
        < 90 => random.Next(300, 20_000),
        < 98 => random.Next(20_000, 200_000),
        _ => random.Next(1024 * 1024, 4 * 1024 * 1024),
    };

    /// <summary>A value that names its key and version in every 8 bytes, so a byte of a neighbour shows.</summary>
    internal static byte[] Pattern(string key, int version, int length)
    {
        byte[] value = new byte[length];
        long stamp = ((long)key.GetHashCode(StringComparison.Ordinal) << 32) | (uint)version;
        for (int i = 0; i + 8 <= length; i += 8)
        {
            BinaryPrimitives.WriteInt64LittleEndian(value.AsSpan(i), stamp ^ i);
        }

        for (int i = length & ~7; i < length; i++)
        {
            value[i] = (byte)(stamp ^ i);
        }

        return value;
    }

    private static void AssertMatches(CacheStore store, Dictionary<string, (int Length, int Version)> expected)
    {
        foreach ((string key, (int length, int version)) in expected)
        {
            using StoreReadScope scope = store.BeginRead();
            Assert.True(store.TryGetValue(scope, key, renewSliding: false, out ReadOnlySpan<byte> value), $"{key} is missing");
            Assert.Equal(length, value.Length);
            Assert.True(value.SequenceEqual(Pattern(key, version, length)), $"{key} (version {version}, {length} bytes) holds other bytes");
        }
    }
}
