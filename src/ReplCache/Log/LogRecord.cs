using System.Buffers.Binary;
using MessagePack;

namespace ReplCache.Log;

/// <summary>One decoded log record. Key and value are slices of the buffer it was read from.</summary>
internal readonly ref struct LogRecord
{
    private LogRecord(LogRecordKind kind, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, long absoluteExpiryMs, long slidingMs, long slidingDeadlineMs)
    {
        Kind = kind;
        Key = key;
        Value = value;
        AbsoluteExpiryMs = absoluteExpiryMs;
        SlidingMs = slidingMs;
        SlidingDeadlineMs = slidingDeadlineMs;
    }

    public LogRecordKind Kind { get; }

    public ReadOnlySpan<byte> Key { get; }

    public ReadOnlySpan<byte> Value { get; }

    public long AbsoluteExpiryMs { get; }

    public long SlidingMs { get; }

    public long SlidingDeadlineMs { get; }

    /// <summary>
    /// Reads the record at the start of <paramref name="buffer"/>. Returns false when the buffer ends inside the
    /// record (a batch is a slice of the log cut at any byte; the rest comes with the next batch).
    /// </summary>
    /// <param name="buffer">Contiguous bytes starting at a record boundary.</param>
    /// <param name="record">The record read.</param>
    /// <param name="length">Its encoded length.</param>
    /// <exception cref="InvalidDataException">The bytes are not a well-formed record.</exception>
    public static bool TryRead(ReadOnlyMemory<byte> buffer, out LogRecord record, out int length)
    {
        record = default;
        length = MeasureValue(buffer.Span, 0, depth: 0);
        if (length < 0)
        {
            return false;
        }

        var reader = new MessagePackReader(buffer[..length]);
        try
        {
            int count = reader.ReadArrayHeader();
            LogRecordKind kind = count >= 1 ? (LogRecordKind)reader.ReadByte() : throw new InvalidDataException("A log record is an empty array.");
            (int expected, string shape) = kind switch
            {
                LogRecordKind.Set => (6, "[0, key, value, absolute, sliding, deadline]"),
                LogRecordKind.Remove => (2, "[1, key]"),
                LogRecordKind.Touch => (3, "[2, key, deadline]"),
                LogRecordKind.Clear => (1, "[3]"),
                _ => throw new InvalidDataException($"Unknown log record kind {(byte)kind}."),
            };
            if (count != expected)
            {
                throw new InvalidDataException($"A {kind} record has {count} elements; expected {shape}.");
            }

            ReadOnlySpan<byte> key = kind == LogRecordKind.Clear ? default : ReadBin(ref reader, "key");
            switch (kind)
            {
                case LogRecordKind.Set:
                    ReadOnlySpan<byte> value = ReadBin(ref reader, "value");
                    long absolute = ReadDeadline(ref reader);
                    long sliding = ReadDeadline(ref reader);
                    long deadline = ReadDeadline(ref reader);
                    record = new LogRecord(kind, key, value, absolute, sliding, deadline);
                    break;
                case LogRecordKind.Touch:
                    record = new LogRecord(kind, key, default, 0, 0, ReadDeadline(ref reader));
                    break;
                default:
                    record = new LogRecord(kind, key, default, 0, 0, 0);
                    break;
            }

            return true;
        }
        catch (MessagePackSerializationException ex)
        {
            throw new InvalidDataException("A log record is not well-formed: " + ex.Message, ex);
        }
    }

    private static ReadOnlySpan<byte> ReadBin(scoped ref MessagePackReader reader, string what) =>
        (reader.ReadBytes() ?? throw new InvalidDataException($"A record has a nil {what}.")).FirstSpan;

    private static long ReadDeadline(ref MessagePackReader reader)
    {
        long value = reader.ReadInt64();
        return value >= 0 ? value : throw new InvalidDataException($"A record has a negative time ({value}).");
    }

    /// <summary>
    /// The encoded length of the MessagePack value at <paramref name="start"/>, or -1 when the buffer ends first.
    /// Knows exactly the formats records use (arrays, integers, bin) and rejects anything else, so a complete
    /// record is found without parsing it twice or catching end-of-buffer exceptions.
    /// </summary>
    private static int MeasureValue(ReadOnlySpan<byte> buffer, int start, int depth)
    {
        if (start >= buffer.Length)
        {
            return -1;
        }

        byte code = buffer[start];
        switch (code)
        {
            case <= 0x7f or >= 0xe0: return 1; // fixint
            case 0xcc or 0xd0: return Fits(buffer, start, 2);
            case 0xcd or 0xd1: return Fits(buffer, start, 3);
            case 0xce or 0xd2: return Fits(buffer, start, 5);
            case 0xcf or 0xd3: return Fits(buffer, start, 9);
            case 0xc4: return Bin(buffer, start, 1);
            case 0xc5: return Bin(buffer, start, 2);
            case 0xc6: return Bin(buffer, start, 4);
            case >= 0x90 and <= 0x9f: return Array(buffer, start, 1, code & 0x0f, depth);
            case 0xdc: return Fits(buffer, start, 3) < 0 ? -1 : Array(buffer, start, 3, BinaryPrimitives.ReadUInt16BigEndian(buffer[(start + 1)..]), depth);
            default: throw new InvalidDataException($"Unexpected MessagePack code 0x{code:x2} in a log record.");
        }
    }

    private static int Fits(ReadOnlySpan<byte> buffer, int start, int length) => buffer.Length - start >= length ? length : -1;

    private static int Bin(ReadOnlySpan<byte> buffer, int start, int lengthBytes)
    {
        if (buffer.Length - start < 1 + lengthBytes)
        {
            return -1;
        }

        ReadOnlySpan<byte> header = buffer.Slice(start + 1, lengthBytes);
        long length = lengthBytes switch
        {
            1 => header[0],
            2 => BinaryPrimitives.ReadUInt16BigEndian(header),
            _ => BinaryPrimitives.ReadUInt32BigEndian(header),
        };
        long total = 1 + lengthBytes + length;
        if (total > int.MaxValue)
        {
            throw new InvalidDataException($"A log record holds a {length}-byte field, larger than any entry can be.");
        }

        return buffer.Length - start >= total ? (int)total : -1;
    }

    private static int Array(ReadOnlySpan<byte> buffer, int start, int headerLength, int count, int depth)
    {
        if (depth > 0 || count > 6)
        {
            throw new InvalidDataException("A log record must be one flat array of at most 6 elements.");
        }

        int position = start + headerLength;
        for (int i = 0; i < count; i++)
        {
            int element = MeasureValue(buffer, position, depth + 1);
            if (element < 0)
            {
                return -1;
            }

            position += element;
        }

        return position - start;
    }
}
