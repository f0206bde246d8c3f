using ReplCache.Storage;
using ReplCache.Storage.Memory;

namespace ReplCache.Tests.Storage;

/// <summary>
/// The entry format: every combination of the optional header fields, lengths at the edges of the narrow form,
/// and deadlines at the edges of a long, read back exactly as written — and what an entry lacks reads as 0.
/// </summary>
public class EntryLayoutTests
{
    private const int MaxKey = ReplicatedCacheOptions.DefaultMaxKeyBytes;
    private const int MaxValue = ReplicatedCacheOptions.DefaultMaxValueBytes;

    public static TheoryData<int, int> Lengths => new()
    {
        { 0, 0 },
        { 1, 0 },
        { 10, 100 },
        { EntryShape.MaxNarrowKeyLength, EntryShape.MaxNarrowValueLength },
        { EntryShape.MaxNarrowKeyLength + 1, 5 },
        { 5, EntryShape.MaxNarrowValueLength + 1 },
        { MaxKey, 0 },
        { MaxKey, 3 },
        { 16, MaxValue },
    };

    public static TheoryData<long, long, long> Deadlines => new()
    {
        { 0, 0, 0 },
        { 1_700_000_000_123, 0, 0 },
        { long.MaxValue, 0, 0 },
        { -1, 0, 0 },
        { 0, 1, 1_700_000_000_001 },
        { 0, long.MaxValue, long.MaxValue },
        { 1_700_000_050_000, 30_000, 1_700_000_030_000 },
        { long.MaxValue, long.MaxValue - 1, long.MaxValue },
    };

    [Theory]
    [MemberData(nameof(Lengths))]
    public void KeyAndValue_OfAnyLength_ReadBackExactly_WithEveryCombinationOfDeadlines(int keyLength, int valueLength)
    {
        var heap = new EntryHeap();
        foreach (object[] row in Deadlines)
        {
            (long absolute, long sliding, long deadline) = ((long)row[0], (long)row[1], (long)row[2]);
            Entry entry = Write(heap, keyLength, valueLength, absolute, sliding, deadline);

            Assert.Equal(keyLength, EntryLayout.KeyLength(entry));
            Assert.Equal(valueLength, EntryLayout.ValueLength(entry));
            Assert.Equal(EntryLayout.Size(keyLength, valueLength, absolute, sliding), EntryLayout.Length(entry));
            Assert.True(EntryLayout.Key(entry).SequenceEqual(Bytes(keyLength, 0x4B)), "the key bytes changed");
            Assert.True(EntryLayout.Value(entry).SequenceEqual(Bytes(valueLength, 0x56)), "the value bytes changed");
            Assert.Equal(absolute, EntryLayout.AbsoluteExpiryMs(entry));
            Assert.Equal(sliding, EntryLayout.SlidingMs(entry));
            Assert.Equal(sliding == 0 ? 0 : deadline, EntryLayout.SlidingDeadlineMs(entry));
            Assert.Equal(sliding == 0 ? 0 : deadline, EntryLayout.LoggedDeadlineMs(entry));
            Assert.Equal(absolute != 0 || sliding != 0, EntryLayout.CanExpire(entry));
            Assert.Equal(0, EntryLayout.AccessClock(entry));
            heap.Retire(entry);
            heap.Reclaim();
        }
    }

    [Fact]
    public void TheMutableFields_ChangeAlone_LeavingKeyValueAndDeadlinesIntact()
    {
        var heap = new EntryHeap();
        Entry entry = Write(heap, 12, 40, 1_700_000_090_000, 60_000, 1_700_000_060_000);

        EntryLayout.SetSlidingDeadlineMs(entry, 1_700_000_070_000);
        EntryLayout.SetLoggedDeadlineMs(entry, 1_700_000_072_000);
        EntryLayout.SetAccessClock(entry, int.MinValue);

        Assert.Equal(1_700_000_070_000, EntryLayout.SlidingDeadlineMs(entry));
        Assert.Equal(1_700_000_072_000, EntryLayout.LoggedDeadlineMs(entry));
        Assert.Equal(int.MinValue, EntryLayout.AccessClock(entry));
        Assert.Equal(1_700_000_090_000, EntryLayout.AbsoluteExpiryMs(entry));
        Assert.Equal(60_000, EntryLayout.SlidingMs(entry));
        Assert.Equal(1_700_000_070_000, EntryLayout.EffectiveExpiryMs(entry));
        Assert.True(EntryLayout.Key(entry).SequenceEqual(Bytes(12, 0x4B)));
        Assert.True(EntryLayout.Value(entry).SequenceEqual(Bytes(40, 0x56)));
    }

    [Fact]
    public void AnEntryWithoutASlidingWindow_RefusesASlidingDeadline_InsteadOfWritingOverItsKey()
    {
        var heap = new EntryHeap();
        Entry entry = Write(heap, 12, 40, 1_700_000_090_000, 0, 0);

        Assert.Throws<InvalidOperationException>(() => EntryLayout.SetSlidingDeadlineMs(entry, 5));
        Assert.Throws<InvalidOperationException>(() => EntryLayout.SetLoggedDeadlineMs(entry, 5));
        Assert.True(EntryLayout.Key(entry).SequenceEqual(Bytes(12, 0x4B)));
    }

    [Fact]
    public void AnEntryWithNeitherDeadlineNorLongLengths_HasAnEightByteHeader()
    {
        Assert.Equal(8 + 10 + 100, EntryLayout.Size(10, 100, 0, 0));
        Assert.Equal(16 + 10 + 100, EntryLayout.Size(10, 100, 1_700_000_000_000, 0));
        Assert.Equal(32 + 10 + 100, EntryLayout.Size(10, 100, 0, 1000));
        Assert.Equal(48 + MaxKey + 100, EntryLayout.Size(MaxKey, 100, 1_700_000_000_000, 1000));
    }

    [Theory]
    [InlineData(1_700_000_000_000, 0, 1_699_999_999_999, false)]
    [InlineData(1_700_000_000_000, 0, 1_700_000_000_000, true)]
    [InlineData(long.MaxValue, 0, long.MaxValue - 1, false)]
    [InlineData(0, 0, long.MaxValue, false)]
    public void IsExpired_ComparesTheAbsoluteDeadlineToNow(long absolute, long sliding, long now, bool expired)
    {
        var heap = new EntryHeap();
        Entry entry = Write(heap, 3, 3, absolute, sliding, 0);
        Assert.Equal(expired, EntryLayout.IsExpired(entry, now));
    }

    private static Entry Write(EntryHeap heap, int keyLength, int valueLength, long absolute, long sliding, long deadline)
    {
        Entry entry = heap.Allocate((int)EntryLayout.Size(keyLength, valueLength, absolute, sliding));
        EntryLayout.Initialize(entry, keyLength, valueLength, absolute, sliding, deadline);
        EntryLayout.KeyForWrite(entry).Fill(0x4B);
        EntryLayout.ValueForWrite(entry).Fill(0x56);
        return entry;
    }

    private static byte[] Bytes(int length, byte fill)
    {
        byte[] bytes = new byte[length];
        bytes.AsSpan().Fill(fill);
        return bytes;
    }
}
