using System.Buffers;
using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Storage;

/// <summary>IBufferDistributedCache: values written straight into the caller's buffer, and set from sequences.</summary>
public class BufferCacheTests
{
    private static readonly DistributedCacheEntryOptions None = new();

    [Fact]
    public async Task TryGet_AppendsTheValueToTheCallersWriter()
    {
        await using var local = new LocalCache();
        local.Cache.Set("k", [4, 5, 6], None);
        var writer = new ArrayBufferWriter<byte>();
        writer.Write(new byte[] { 1, 2, 3 });
        Assert.True(local.Cache.TryGet("k", writer));
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6 }, writer.WrittenSpan.ToArray());
        Assert.True(await local.Cache.TryGetAsync("k", writer));
        Assert.Equal(9, writer.WrittenCount);
    }

    [Fact]
    public async Task TryGet_Miss_ReturnsFalseAndWritesNothing()
    {
        await using var local = new LocalCache();
        var writer = new ArrayBufferWriter<byte>();
        Assert.False(local.Cache.TryGet("missing", writer));
        Assert.False(await local.Cache.TryGetAsync("missing", writer));
        Assert.Equal(0, writer.WrittenCount);
    }

    [Fact]
    public async Task Set_FromAMultiSegmentSequence_StoresTheConcatenation()
    {
        await using var local = new LocalCache();
        ReadOnlySequence<byte> value = Segments([1, 2], [], [3], [4, 5, 6, 7]);
        Assert.False(value.IsSingleSegment);
        local.Cache.Set("k", value, None);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7 }, local.Cache.Get("k"));
        await local.Cache.SetAsync("k2", Segments([9], [8]), None);
        Assert.Equal(new byte[] { 9, 8 }, local.Cache.Get("k2"));
    }

    [Fact]
    public async Task Set_FromAnEmptySequence_StoresAnEmptyValue()
    {
        await using var local = new LocalCache();
        local.Cache.Set("k", ReadOnlySequence<byte>.Empty, None);
        Assert.Equal(Array.Empty<byte>(), local.Cache.Get("k"));
    }

    private static ReadOnlySequence<byte> Segments(params byte[][] parts)
    {
        var first = new Segment(parts[0], 0);
        Segment last = first;
        for (int i = 1; i < parts.Length; i++)
        {
            last = last.Append(parts[i]);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
