using ReplCache.Storage;

namespace ReplCache.Tests.Storage;

/// <summary>
/// The table through its resizes: slots keep only 24 bits of a key's hash, which place an entry in any table of
/// up to 2^24 slots; beyond that a resize hashes the keys again. Either way every entry stays findable, SCAN still
/// returns every key, and tombstones never cut a probe chain.
/// </summary>
public class EntryTableResizeTests
{
    private static readonly TimeProvider Clock = TimeProvider.System;

    [Fact]
    public void GrowingAndShrinkingThroughEverySize_KeepsEveryEntryFindable()
    {
        using var store = new CacheStore(Clock, null);
        long now = Clock.GetUtcNow().ToUnixTimeMilliseconds();
        const int keys = 200_000;
        for (int i = 0; i < keys; i++)
        {
            store.Set($"k:{i}", BitConverter.GetBytes(i), 0, 0, now);
        }

        AssertHolds(store, Enumerable.Range(0, keys));

        // Down to a few entries, through every halving, then back up over the tombstones.
        for (int i = 0; i < keys - 100; i++)
        {
            Assert.True(store.Remove($"k:{i}"));
        }

        AssertHolds(store, Enumerable.Range(keys - 100, 100));
        for (int i = 0; i < 50_000; i++)
        {
            store.Set($"k:{i}", BitConverter.GetBytes(i), 0, 0, now);
        }

        AssertHolds(store, Enumerable.Range(0, 50_000).Concat(Enumerable.Range(keys - 100, 100)));
    }

    [Fact]
    public void ATablePastTheTagsReach_RehashesItsKeys_AndFindsEveryEntry()
    {
        using var store = new CacheStore(Clock, null);
        long now = Clock.GetUtcNow().ToUnixTimeMilliseconds();
        for (int i = 0; i < 5_000; i++)
        {
            store.Set($"k:{i}", BitConverter.GetBytes(i), 0, 0, now);
        }

        store.Reserve(1L << 24); // 2^25 slots: more index bits than a slot's tag holds
        AssertHolds(store, Enumerable.Range(0, 5_000));

        store.Set("after", [1], 0, 0, now);
        AssertHolds(store, Enumerable.Range(0, 5_000));
        Assert.True(store.ContainsLive("after"u8));
        store.Clear();
    }

    private static void AssertHolds(CacheStore store, IEnumerable<int> expected)
    {
        var wanted = expected.ToHashSet();
        foreach (int i in wanted)
        {
            using StoreReadScope scope = store.BeginRead();
            Assert.True(store.TryGetValue(scope, $"k:{i}", renewSliding: false, out ReadOnlySpan<byte> value), $"k:{i} is missing");
            Assert.Equal(i, BitConverter.ToInt32(value));
        }

        var scanned = new HashSet<string>();
        ulong cursor = 0;
        do
        {
            var batch = new List<string>();
            cursor = store.Scan(cursor, 1000, batch);
            scanned.UnionWith(batch);
        }
        while (cursor != 0);

        Assert.Superset(wanted.Select(i => $"k:{i}").ToHashSet(), scanned);
        Assert.Equal(wanted.Count, scanned.Count(k => k.StartsWith("k:", StringComparison.Ordinal)));
    }
}
