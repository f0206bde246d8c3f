using System.Text;
using ReplCache.Resp;

namespace ReplCache.Tests.Resp;

/// <summary>The parser gives the same commands, or the same protocol error, however the bytes are cut.</summary>
public class RespParserTests
{
    public static TheoryData<string, string[][]> WellFormed => new()
    {
        { "*1\r\n$4\r\nPING\r\n", [["PING"]] },
        { "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nva\r\nl\r\n", [["SET", "k", "va\r\nl"]] },
        { "*2\r\n$3\r\nGET\r\n$0\r\n\r\n", [["GET", ""]] },
        { "*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n", [["PING"]] },
        { "PING\r\n", [["PING"]] },
        { "PING\n", [["PING"]] },
        { "\r\n\nset k v\r\n", [["set", "k", "v"]] },
        { "PING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\nECHO 'a b'\r\n", [["PING"], ["ECHO", "hi"], ["ECHO", "a b"]] },
        { "set k \"a\\x41\\n\\t\\\\\\\"z\"\r\n", [["set", "k", "aA\n\t\\\"z"]] },
        { "set k 'it\\'s' \"\"\r\n", [["set", "k", "it's", ""]] },
        { "  a\t\tb  \r\n", [["a", "b"]] },
        { "a\"b c\" d\r\n", [["ab c", "d"]] },
        { "*2\r\n$3\r\nGET\r\n$10\r\n0123456789\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100\r\n" + new string('v', 100) + "\r\n", [["GET", "0123456789"], ["SET", "k", new string('v', 100)]] },
        { "*1\r\n$4\r\nPING\r\nPING\r\n*0\r\n*1\r\n$4\r\nPING\r\n", [["PING"], ["PING"], ["PING"]] },
    };

    public static TheoryData<string, string> Malformed => new()
    {
        { "*abc\r\n", "Protocol error: invalid multibulk length" },
        { "*01\r\n", "Protocol error: invalid multibulk length" },
        { "*1x\r\n", "Protocol error: invalid multibulk length" },
        { "*1\rx", "Protocol error: invalid multibulk length" },
        { "*1048577\r\n", "Protocol error: invalid multibulk length" },
        { "*3\r\n$3\r\nSET\r\nx\r\n", "Protocol error: expected '$', got 'x'" },
        { "*1\r\n$-1\r\n", "Protocol error: invalid bulk length" },
        { "*1\r\n$abc\r\n", "Protocol error: invalid bulk length" },
        { "*1\r\n$536870913\r\n", "Protocol error: invalid bulk length" },
        { "*1\r\n$99999999999999999999999\r\n", "Protocol error: invalid bulk length" },
        { "*1\r\n$3\r\nfooXY", "Protocol error: bulk string not followed by CRLF" },
        { "*2\r\n$3\r\nGET\r\n$1\r\nk\n\r\n", "Protocol error: bulk string not followed by CRLF" },
        { "*1\r\n$01\r\nx\r\n", "Protocol error: invalid bulk length" },
        { "*1\r\n$+1\r\nx\r\n", "Protocol error: invalid bulk length" },
        { "*1\r\n$1\nx\r\n", "Protocol error: invalid bulk length" },
        { "*2\r\n$3\r\nGET\r\n*1\r\n", "Protocol error: expected '$', got '*'" },
        { "set k \"abc\r\n", "Protocol error: unbalanced quotes in request" },
        { "set k \"abc\"def\r\n", "Protocol error: unbalanced quotes in request" },
        { "set k 'abc\r\n", "Protocol error: unbalanced quotes in request" },
        { "PING\r\n\u0001\u0002\"\r\n", "Protocol error: unbalanced quotes in request" },
    };

    [Theory]
    [MemberData(nameof(WellFormed))]
    public void WellFormedInput_GivesTheSameCommands_SplitAtEveryByte(string input, string[][] expected)
    {
        byte[] bytes = Encoding.Latin1.GetBytes(input);
        for (int split = 0; split <= bytes.Length; split++)
        {
            (List<string[]> commands, string? error) = ChunkedInput.Parse(bytes, [split]);
            Assert.Null(error);
            Assert.Equal(expected, commands);
        }

        (List<string[]> oneByOne, string? oneByOneError) = ChunkedInput.Parse(bytes, Enumerable.Range(1, bytes.Length));
        Assert.Null(oneByOneError);
        Assert.Equal(expected, oneByOne);
    }

    [Theory]
    [MemberData(nameof(WellFormed))]
    public void WellFormedInput_GivesTheSameCommands_SplitAtEveryPairOfBytes(string input, string[][] expected)
    {
        byte[] bytes = Encoding.Latin1.GetBytes(input);
        for (int a = 0; a <= bytes.Length; a++)
        {
            for (int b = a; b <= bytes.Length; b++)
            {
                Assert.Equal(expected, ChunkedInput.Parse(bytes, [a, b]).Commands);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedInput_GivesRedisProtocolError_SplitAtEveryByte(string input, string expected)
    {
        byte[] bytes = Encoding.Latin1.GetBytes(input);
        for (int split = 0; split <= bytes.Length; split++)
        {
            Assert.Equal(expected, ChunkedInput.Parse(bytes, [split]).Error);
        }

        Assert.Equal(expected, ChunkedInput.Parse(bytes, Enumerable.Range(1, bytes.Length)).Error);
    }

    [Fact]
    public void CommandsBeforeAnError_AreStillParsed()
    {
        (List<string[]> commands, string? error) = ChunkedInput.Parse(Encoding.ASCII.GetBytes("PING\r\n*1\r\n$4\r\nECHO\r\n*x\r\n"), []);
        Assert.Equal([["PING"], ["ECHO"]], commands);
        Assert.Equal("Protocol error: invalid multibulk length", error);
    }

    [Fact]
    public void InlineLine_LongerThan64KiB_IsTooBig_WithOrWithoutItsNewline()
    {
        byte[] line = Encoding.ASCII.GetBytes(new string('a', RespParser.MaxInlineBytes + 1) + "\r\n");
        Assert.Equal("Protocol error: too big inline request", ChunkedInput.Parse(line, []).Error);
        Assert.Equal("Protocol error: too big inline request", ChunkedInput.Parse(line[..^2], []).Error);
        Assert.Equal("Protocol error: too big inline request", ChunkedInput.Parse(line, [1000, 65536]).Error);

        byte[] atLimit = Encoding.ASCII.GetBytes(new string('a', RespParser.MaxInlineBytes) + "\r\n");
        Assert.Single(ChunkedInput.Parse(atLimit, [RespParser.MaxInlineBytes + 1]).Commands);
    }

    [Fact]
    public void HeaderLines_LongerThan64KiB_AreTooBig()
    {
        byte[] count = Encoding.ASCII.GetBytes("*" + new string('1', RespParser.MaxInlineBytes + 1));
        Assert.Equal("Protocol error: too big mbulk count string", ChunkedInput.Parse(count, []).Error);
        byte[] bulk = Encoding.ASCII.GetBytes("*1\r\n$" + new string('1', RespParser.MaxInlineBytes + 1));
        Assert.Equal("Protocol error: too big bulk count string", ChunkedInput.Parse(bulk, [10]).Error);
    }

    [Fact]
    public void BeforeAuth_LargeFramesAreRefused_AsRedis7Does()
    {
        Assert.Equal("Protocol error: unauthenticated multibulk length", ChunkedInput.Parse("*11\r\n"u8.ToArray(), [], authenticated: false).Error);
        Assert.Equal("Protocol error: unauthenticated bulk length", ChunkedInput.Parse("*1\r\n$16385\r\n"u8.ToArray(), [], authenticated: false).Error);
        Assert.Single(ChunkedInput.Parse(RespTestClient.Encode("AUTH", new string('p', 16384)), [], authenticated: false).Commands);
    }

    [Fact]
    public void CommandWholeInOneBlock_IsReferencedInPlace_OneCutAcrossBlocks_IsCopied()
    {
        byte[] frame = RespTestClient.Encode("SET", "key", "value");
        byte[] padded = [.. "xx"u8, .. frame, .. frame];
        var parser = new RespParser();
        using var request = new RespRequest();

        var whole = new System.Buffers.ReadOnlySequence<byte>(padded, 2, padded.Length - 2);
        Assert.Equal(RespParseStatus.Complete, parser.TryParse(ref whole, request, authenticated: true));
        Assert.True(request.IsBorrowed);
        Assert.Equal(["SET", "key", "value"], Arguments(request));
        Assert.Equal(11, request.TotalBytes);

        // The same bytes cut in the middle of the value: the first part is copied as it comes, the rest completes it.
        var head = new System.Buffers.ReadOnlySequence<byte>(frame, 0, frame.Length - 4);
        Assert.Equal(RespParseStatus.Incomplete, parser.TryParse(ref head, request, authenticated: true));
        Assert.True(head.IsEmpty);
        var tail = new System.Buffers.ReadOnlySequence<byte>(frame, frame.Length - 4, 4);
        Assert.Equal(RespParseStatus.Complete, parser.TryParse(ref tail, request, authenticated: true));
        Assert.False(request.IsBorrowed);
        Assert.Equal(["SET", "key", "value"], Arguments(request));
        Assert.Equal(11, request.TotalBytes);

        // Borrowed again for the next whole command, and the copy is forgotten.
        Assert.Equal(RespParseStatus.Complete, parser.TryParse(ref whole, request, authenticated: true));
        Assert.True(request.IsBorrowed);
        Assert.Equal(["SET", "key", "value"], Arguments(request));
        Assert.True(whole.IsEmpty);

        static string[] Arguments(RespRequest request) => [.. Enumerable.Range(0, request.Count).Select(i => Encoding.Latin1.GetString(request[i]))];
    }

    [Fact]
    public void BeforeAuth_FramesAtTheLimits_AreAccepted_WholeOrCut()
    {
        byte[] frame = RespTestClient.Encode([.. Enumerable.Repeat("AUTH", 1), .. Enumerable.Repeat(new string('p', 16384), 9)]);
        for (int split = 0; split <= frame.Length; split += 997)
        {
            Assert.Single(ChunkedInput.Parse(frame, [split], authenticated: false).Commands);
        }

        byte[] over = RespTestClient.Encode([.. Enumerable.Repeat("AUTH", 1), .. Enumerable.Repeat("p", 10)]);
        Assert.Equal("Protocol error: unauthenticated multibulk length", ChunkedInput.Parse(over, [], authenticated: false).Error);
    }

    [Fact]
    public void LargeBulk_IsConsumedAsItArrives_NotHeldWholeInTheInput()
    {
        byte[] value = new byte[3 * 1024 * 1024];
        Random.Shared.NextBytes(value);
        byte[] frame = RespTestClient.EncodeBytes("SET"u8.ToArray(), "k"u8.ToArray(), value);
        var parser = new RespParser();
        using var request = new RespRequest();
        int offset = 0;
        RespParseStatus status = RespParseStatus.Incomplete;
        while (offset < frame.Length)
        {
            int take = Math.Min(64 * 1024, frame.Length - offset);
            var buffer = new System.Buffers.ReadOnlySequence<byte>(frame, offset, take);
            status = parser.TryParse(ref buffer, request, authenticated: true);
            // Nothing is left behind except at most a header line or the final CRLF.
            Assert.True(buffer.Length <= 2, $"{buffer.Length} bytes left unconsumed at offset {offset}");
            offset += take - (int)buffer.Length;
            if (buffer.Length > 0)
            {
                break;
            }
        }

        Assert.Equal(RespParseStatus.Complete, status);
        Assert.True(request[2].SequenceEqual(value));
    }

    [Fact]
    public void Numbers_FollowRedisString2ll()
    {
        Assert.True(RespNumber.TryParse("0"u8, out long zero) && zero == 0);
        Assert.True(RespNumber.TryParse("-9223372036854775808"u8, out long min) && min == long.MinValue);
        Assert.True(RespNumber.TryParse("9223372036854775807"u8, out long max) && max == long.MaxValue);
        Assert.False(RespNumber.TryParse("9223372036854775808"u8, out _));
        Assert.False(RespNumber.TryParse("-0"u8, out _));
        Assert.False(RespNumber.TryParse("+1"u8, out _));
        Assert.False(RespNumber.TryParse("01"u8, out _));
        Assert.False(RespNumber.TryParse(" 1"u8, out _));
        Assert.False(RespNumber.TryParse(""u8, out _));
        Assert.False(RespNumber.TryParse("-"u8, out _));
    }
}
