using System.Buffers;
using System.Text;
using ReplCache.Resp;
using ReplCache.Tests.Resp;

namespace ReplCache.Tests.Security;

/// <summary>A bulk's announced length is a claim, not an allocation: room is made as its bytes arrive.</summary>
public class AnnouncedBulkTests
{
    [Fact]
    public void AnnouncedLargeBulk_WithNoBytes_AllocatesLittle()
    {
        var parser = new RespParser();
        using var request = new RespRequest();
        var header = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$400000000\r\n"));
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(RespParseStatus.Incomplete, parser.TryParse(ref header, request, authenticated: true));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 1024 * 1024, $"announcing a 400 MB bulk allocated {allocated} bytes");
    }

    [Fact]
    public void LargeBulk_ArrivingInPieces_IsAssembledExactly()
    {
        byte[] value = new byte[5 * 1024 * 1024 + 123];
        new Random(7).NextBytes(value);
        byte[] frame = RespTestClient.EncodeBytes("SET"u8.ToArray(), "k"u8.ToArray(), value, "EX"u8.ToArray(), "10"u8.ToArray());
        var parser = new RespParser();
        using var request = new RespRequest();
        int offset = 0;
        var random = new Random(11);
        RespParseStatus status = RespParseStatus.Incomplete;
        for (int step = 0; step < 100_000 && status != RespParseStatus.Complete; step++)
        {
            int take = Math.Min(random.Next(1, 200_000), frame.Length - offset);
            var buffer = new ReadOnlySequence<byte>(frame, offset, take);
            status = parser.TryParse(ref buffer, request, authenticated: true);
            offset += take - (int)buffer.Length;
        }

        Assert.Equal(RespParseStatus.Complete, status);
        Assert.Equal(5, request.Count);
        Assert.True(request[2].SequenceEqual(value));
        Assert.True(request[3].SequenceEqual("EX"u8));
        Assert.True(request[4].SequenceEqual("10"u8));
    }
}
