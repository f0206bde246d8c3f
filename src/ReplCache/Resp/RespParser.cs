using System.Buffers;
using System.Runtime.InteropServices;

namespace ReplCache.Resp;

/// <summary>
/// Reads commands — RESP multibulk (<c>*N\r\n$len\r\n...</c>) or inline lines — from a connection's input, one
/// connection per parser. It keeps its place between reads, as Redis's <c>processMultibulkBuffer</c> does, so a
/// command may arrive cut at any byte and a large bulk is consumed as it arrives: "need more data" is
/// <see cref="RespParseStatus.Incomplete"/>, never an error.
/// </summary>
/// <remarks>
/// Limits and error texts are Redis's, so a client sees the same <c>-ERR Protocol error: ...</c>. Redis decides some
/// limits by how much happens to be buffered (an inline line is too big only when no newline has arrived yet);
/// here every limit is decided by the frame itself, so the outcome never depends on how the bytes were split.
/// </remarks>
internal sealed class RespParser
{
    /// <summary>Redis's <c>PROTO_INLINE_MAX_SIZE</c>: the longest inline command and header line.</summary>
    public const int MaxInlineBytes = 64 * 1024;

    /// <summary>Arguments per command.</summary>
    public const int MaxArguments = 1024 * 1024;

    /// <summary>Redis's default <c>proto-max-bulk-len</c>.</summary>
    public const long MaxBulkBytes = 512L * 1024 * 1024;

    /// <summary>Redis's <c>client-query-buffer-limit</c>: the most a command's arguments may hold in all.</summary>
    public const long MaxRequestBytes = 1024L * 1024 * 1024;

    /// <summary>Redis 7 refuses larger frames from a client that has not authenticated (a cheap denial of service otherwise).</summary>
    public const int MaxUnauthenticatedArguments = 10;

    public const int MaxUnauthenticatedBulkBytes = 16 * 1024;

    private readonly long _maxBulkBytes;
    private int _pendingArguments;
    private long _bulkLength = -1;
    private long _bulkFilled;

    /// <summary>A parser with Redis's default <c>proto-max-bulk-len</c>.</summary>
    public RespParser()
        : this(MaxBulkBytes)
    {
    }

    /// <summary>A parser refusing bulk strings longer than <paramref name="maxBulkBytes"/> (<c>proto-max-bulk-len</c>).</summary>
    public RespParser(long maxBulkBytes) => _maxBulkBytes = Math.Clamp(maxBulkBytes, 1, MaxBulkBytes);

    /// <summary>
    /// A node's <c>proto-max-bulk-len</c>: no argument of any command is stored longer than a key or value, so a bulk
    /// longer than both (with 1 MiB of slack, so that a value just over MaxValueBytes gets SET's error naming the limit
    /// rather than a protocol error) can only be a client wasting the node's memory. Never more than Redis's 512 MB.
    /// </summary>
    public static long BulkLimit(ReplicatedCacheOptions options) =>
        Math.Min(MaxBulkBytes, Math.Max((long)options.MaxKeyBytes, options.MaxValueBytes) + 1024 * 1024);

    /// <summary>What was wrong, after <see cref="RespParseStatus.Error"/>, in Redis's words (without "ERR ").</summary>
    public string? Error { get; private set; }

    /// <summary>
    /// Parses from the start of <paramref name="buffer"/> and slices it past everything consumed. On
    /// <see cref="RespParseStatus.Complete"/>, <paramref name="request"/> holds the command; on Incomplete, it holds
    /// whatever was consumed of an unfinished one, to be continued by the next call with more bytes.
    /// </summary>
    public RespParseStatus TryParse(ref ReadOnlySequence<byte> buffer, RespRequest request, bool authenticated)
    {
        if (_pendingArguments == 0 && TryParseWhole(buffer.First, request, authenticated, out int consumed))
        {
            buffer = buffer.Slice(consumed);
            return RespParseStatus.Complete;
        }

        var reader = new SequenceReader<byte>(buffer);
        RespParseStatus status = Parse(ref reader, request, authenticated);
        buffer = buffer.Slice(reader.Position);
        return status;
    }

    private RespParseStatus Parse(ref SequenceReader<byte> reader, RespRequest request, bool authenticated)
    {
        while (_pendingArguments == 0)
        {
            // Between commands.
            request.Clear();
            if (!reader.TryPeek(out byte first))
            {
                return RespParseStatus.Incomplete;
            }

            if (first != (byte)'*')
            {
                RespParseStatus inline = ParseInline(ref reader, request);
                if (inline != RespParseStatus.Complete || request.Count > 0)
                {
                    return inline;
                }

                continue; // an empty line: Redis skips it
            }

            RespParseStatus header = ReadHeader(ref reader, "too big mbulk count string", "invalid multibulk length", out long count);
            if (header != RespParseStatus.Complete)
            {
                return header;
            }

            if (count > MaxArguments)
            {
                return Fail("invalid multibulk length");
            }

            if (!authenticated && count > MaxUnauthenticatedArguments)
            {
                return Fail("unauthenticated multibulk length");
            }

            // *0 and *-1 are empty commands; Redis reads on.
            _pendingArguments = (int)Math.Max(count, 0);
        }

        while (_pendingArguments > 0)
        {
            if (_bulkLength < 0)
            {
                if (!reader.TryPeek(out byte first))
                {
                    return RespParseStatus.Incomplete;
                }

                if (first != (byte)'$')
                {
                    return Fail($"expected '$', got '{Printable(first)}'");
                }

                RespParseStatus header = ReadHeader(ref reader, "too big bulk count string", "invalid bulk length", out long length);
                if (header != RespParseStatus.Complete)
                {
                    return header;
                }

                if (length < 0 || length > _maxBulkBytes)
                {
                    return Fail("invalid bulk length");
                }

                if (!authenticated && length > MaxUnauthenticatedBulkBytes)
                {
                    return Fail("unauthenticated bulk length");
                }

                if (request.TotalBytes + length > MaxRequestBytes)
                {
                    return Fail("query buffer limit reached");
                }

                request.BeginBulk((int)length);
                _bulkLength = length;
                _bulkFilled = 0;
            }

            if (_bulkFilled < _bulkLength)
            {
                // Take what has arrived, so a large value never has to sit whole in the input pipe.
                int take = (int)Math.Min(_bulkLength - _bulkFilled, reader.Remaining);
                reader.UnreadSequence.Slice(0, take).CopyTo(request.Filling((int)_bulkFilled + take)[(int)_bulkFilled..]);
                reader.Advance(take);
                _bulkFilled += take;
                if (_bulkFilled < _bulkLength)
                {
                    return RespParseStatus.Incomplete;
                }
            }

            if (!reader.TryPeek(out byte cr))
            {
                return RespParseStatus.Incomplete;
            }

            if (cr != (byte)'\r' || (reader.TryPeek(1, out byte lf) && lf != (byte)'\n'))
            {
                return Fail("bulk string not followed by CRLF");
            }

            if (reader.Remaining < 2)
            {
                return RespParseStatus.Incomplete;
            }

            reader.Advance(2);
            _bulkLength = -1;
            _pendingArguments--;
        }

        return RespParseStatus.Complete;
    }

    /// <summary>
    /// The fast path of a pipelined client: a multibulk command that lies whole in <paramref name="block"/> (the
    /// buffer's first segment), read with span indexing and its arguments referenced in place
    /// (<see cref="RespRequest.Borrow"/>) instead of copied.
    /// </summary>
    /// <remarks>
    /// It accepts only what the general parser would accept with the same result: a count and lengths of plain
    /// digits within every limit, every bulk followed by CRLF. Anything else — an inline command, an empty command,
    /// a command cut by the block's end, anything malformed or over a limit — returns false having consumed nothing,
    /// and the general parser reads it from the same byte, so errors and "need more data" are decided in one place.
    /// </remarks>
    private bool TryParseWhole(ReadOnlyMemory<byte> block, RespRequest request, bool authenticated, out int consumed)
    {
        consumed = 0;
        ReadOnlySpan<byte> span = block.Span;
        if (span.Length < 4 || span[0] != (byte)'*' || !MemoryMarshal.TryGetArray(block, out ArraySegment<byte> array))
        {
            return false;
        }

        int at = 1;
        if (!TryReadLength(span, ref at, out int count) || count == 0 || count > MaxArguments
            || (!authenticated && count > MaxUnauthenticatedArguments) || (long)count * 6 > span.Length - at)
        {
            // (Each argument takes at least "$0\r\n\r\n": more than the rest of the block can hold is incomplete.)
            return false;
        }

        request.Clear();
        request.Borrow(array.Array!);
        long total = 0;
        for (int i = 0; i < count; i++)
        {
            if (at >= span.Length || span[at] != (byte)'$')
            {
                return false;
            }

            at++;
            if (!TryReadLength(span, ref at, out int length) || length > _maxBulkBytes
                || (!authenticated && length > MaxUnauthenticatedBulkBytes) || (total += length) > MaxRequestBytes
                || span.Length - at < length + 2 || span[at + length] != (byte)'\r' || span[at + length + 1] != (byte)'\n')
            {
                return false;
            }

            request.AddBorrowed(array.Offset + at, length);
            at += length + 2;
        }

        consumed = at;
        return true;
    }

    /// <summary>
    /// The digits of a header line and its CRLF, from <paramref name="at"/>: "0", or up to 9 digits without a leading
    /// zero (so no overflow, and what <see cref="RespNumber.TryParse"/> reads the same); false for anything else.
    /// </summary>
    private static bool TryReadLength(ReadOnlySpan<byte> span, ref int at, out int value)
    {
        value = 0;
        int i = at;
        int end = Math.Min(span.Length, at + 9);
        while (i < end && span[i] - (uint)'0' <= 9)
        {
            value = (value * 10) + (span[i] - '0');
            i++;
        }

        int digits = i - at;
        if (digits == 0 || (digits > 1 && span[at] == (byte)'0') || span.Length - i < 2 || span[i] != (byte)'\r' || span[i + 1] != (byte)'\n')
        {
            return false;
        }

        at = i + 2;
        return true;
    }

    /// <summary>Reads a <c>*N\r\n</c> or <c>$N\r\n</c> line; consumes it only when whole.</summary>
    private RespParseStatus ReadHeader(ref SequenceReader<byte> reader, string tooBig, string invalid, out long value)
    {
        value = 0;
        SequencePosition start = reader.Position;
        if (!reader.TryAdvanceTo((byte)'\r', advancePastDelimiter: false))
        {
            return reader.Remaining > MaxInlineBytes ? Fail(tooBig) : RespParseStatus.Incomplete;
        }

        ReadOnlySequence<byte> line = reader.Sequence.Slice(start, reader.Position);
        if (line.Length > MaxInlineBytes)
        {
            return Fail(tooBig);
        }

        if (reader.Remaining < 2)
        {
            reader.Rewind(line.Length);
            return RespParseStatus.Incomplete;
        }

        Span<byte> digits = stackalloc byte[24];
        if (line.Length - 1 > digits.Length || !reader.IsNext("\r\n"u8))
        {
            return Fail(invalid);
        }

        line.Slice(1).CopyTo(digits);
        if (!RespNumber.TryParse(digits[..(int)(line.Length - 1)], out value))
        {
            return Fail(invalid);
        }

        reader.Advance(2);
        return RespParseStatus.Complete;
    }

    private RespParseStatus ParseInline(ref SequenceReader<byte> reader, RespRequest request)
    {
        SequencePosition start = reader.Position;
        if (!reader.TryAdvanceTo((byte)'\n', advancePastDelimiter: false))
        {
            // The line can no longer fit once it holds more than the limit, not counting a final '\r' that may
            // turn out to be the start of its "\r\n".
            long content = reader.Remaining - (LastByte(reader.UnreadSequence) == (byte)'\r' ? 1 : 0);
            return content > MaxInlineBytes ? Fail("too big inline request") : RespParseStatus.Incomplete;
        }

        ReadOnlySequence<byte> line = reader.Sequence.Slice(start, reader.Position);
        if (line.Length > MaxInlineBytes + 1)
        {
            return Fail("too big inline request");
        }

        reader.Advance(1);
        // Inline commands are typed by people; a line cut across segments may as well be copied.
        ReadOnlySpan<byte> text = line.IsSingleSegment ? line.FirstSpan : line.ToArray();
        if (!text.IsEmpty && text[^1] == (byte)'\r')
        {
            text = text[..^1];
        }

        if (text.Length > MaxInlineBytes)
        {
            return Fail("too big inline request");
        }

        return InlineArguments.Split(text, request) ? RespParseStatus.Complete : Fail("unbalanced quotes in request");
    }

    private RespParseStatus Fail(string what)
    {
        Error = "Protocol error: " + what;
        _pendingArguments = 0;
        _bulkLength = -1;
        return RespParseStatus.Error;
    }

    private static byte LastByte(ReadOnlySequence<byte> sequence) => sequence.Slice(sequence.Length - 1).FirstSpan[0];

    private static char Printable(byte b) => b is >= 0x20 and < 0x7f ? (char)b : '?';
}
