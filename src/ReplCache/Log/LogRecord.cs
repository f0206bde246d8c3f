using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace ReplCache.Backlog;

/// <summary>One decoded log record. Key and value are slices of the buffer it was read from.</summary>
/// <remarks>
/// Records are written with the MessagePack library (<see cref="LogRecordWriter"/>) and read here by a decoder
/// that knows exactly the shapes records take — one flat array of small integers and bin fields — in one pass
/// over a span, which also tells a complete record from one cut by the end of a batch. A general MessagePack
/// reader over a sequence spent most of a full sync's apply time; this one does not allocate or copy.
/// </remarks>
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
    /// <param name="buffer">Bytes starting at a record boundary.</param>
    /// <param name="record">The record read.</param>
    /// <param name="length">Its encoded length.</param>
    /// <exception cref="InvalidDataException">The bytes are not a well-formed record.</exception>
    public static bool TryRead(ReadOnlySpan<byte> buffer, out LogRecord record, out int length)
    {
        record = default;
        length = 0;
        int position = 0;
        if (!TryReadArrayHeader(buffer, ref position, out int count) || !TryReadInteger(buffer, ref position, out long kindCode))
        {
            return false;
        }

        var kind = (LogRecordKind)kindCode;
        int expected = kindCode switch
        {
            (long)LogRecordKind.Set => 6,
            (long)LogRecordKind.Remove => 2,
            (long)LogRecordKind.Touch => 3,
            (long)LogRecordKind.Clear => 1,
            _ => throw new InvalidDataException($"Unknown log record kind {kindCode}."),
        };
        if (count != expected)
        {
            throw new InvalidDataException($"A {kind} record has {count} elements; expected {expected}.");
        }

        ReadOnlySpan<byte> key = default, value = default;
        long absolute = 0, sliding = 0, deadline = 0;
        switch (kind)
        {
            case LogRecordKind.Set:
                if (!TryReadBin(buffer, ref position, out key) || !TryReadBin(buffer, ref position, out value)
                    || !TryReadTime(buffer, ref position, out absolute) || !TryReadTime(buffer, ref position, out sliding)
                    || !TryReadTime(buffer, ref position, out deadline))
                {
                    return false;
                }

                break;
            case LogRecordKind.Remove:
                if (!TryReadBin(buffer, ref position, out key))
                {
                    return false;
                }

                break;
            case LogRecordKind.Touch:
                if (!TryReadBin(buffer, ref position, out key) || !TryReadTime(buffer, ref position, out deadline))
                {
                    return false;
                }

                break;
        }

        record = new LogRecord(kind, key, value, absolute, sliding, deadline);
        length = position;
        return true;
    }

    private static bool TryReadArrayHeader(ReadOnlySpan<byte> buffer, ref int position, out int count)
    {
        count = 0;
        if (position >= buffer.Length)
        {
            return false;
        }

        byte code = buffer[position];
        if (code is >= 0x90 and <= 0x9f)
        {
            count = code & 0x0f;
            position++;
            return true;
        }

        throw new InvalidDataException($"A log record must start with a short MessagePack array, not code 0x{code:x2}.");
    }

    private static bool TryReadTime(ReadOnlySpan<byte> buffer, ref int position, out long value)
    {
        if (!TryReadInteger(buffer, ref position, out value))
        {
            return false;
        }

        return value >= 0 ? true : throw new InvalidDataException($"A record has a negative time ({value}).");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryReadInteger(ReadOnlySpan<byte> buffer, ref int position, out long value)
    {
        value = 0;
        if (position >= buffer.Length)
        {
            return false;
        }

        byte code = buffer[position];
        if (code <= 0x7f)
        {
            value = code;
            position++;
            return true;
        }

        if (code >= 0xe0)
        {
            value = (sbyte)code;
            position++;
            return true;
        }

        int size = code switch
        {
            0xcc or 0xd0 => 1,
            0xcd or 0xd1 => 2,
            0xce or 0xd2 => 4,
            0xcf or 0xd3 => 8,
            _ => throw new InvalidDataException($"Expected a MessagePack integer in a log record, found code 0x{code:x2}."),
        };
        if (buffer.Length - position < 1 + size)
        {
            return false;
        }

        ReadOnlySpan<byte> bytes = buffer.Slice(position + 1, size);
        value = code switch
        {
            0xcc => bytes[0],
            0xcd => BinaryPrimitives.ReadUInt16BigEndian(bytes),
            0xce => BinaryPrimitives.ReadUInt32BigEndian(bytes),
            0xcf => (long)Math.Min(BinaryPrimitives.ReadUInt64BigEndian(bytes), long.MaxValue),
            0xd0 => (sbyte)bytes[0],
            0xd1 => BinaryPrimitives.ReadInt16BigEndian(bytes),
            0xd2 => BinaryPrimitives.ReadInt32BigEndian(bytes),
            _ => BinaryPrimitives.ReadInt64BigEndian(bytes),
        };
        position += 1 + size;
        return true;
    }

    private static bool TryReadBin(ReadOnlySpan<byte> buffer, scoped ref int position, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (position >= buffer.Length)
        {
            return false;
        }

        byte code = buffer[position];
        int headerBytes = code switch
        {
            0xc4 => 1,
            0xc5 => 2,
            0xc6 => 4,
            _ => throw new InvalidDataException($"Expected MessagePack bin data in a log record, found code 0x{code:x2}."),
        };
        if (buffer.Length - position < 1 + headerBytes)
        {
            return false;
        }

        ReadOnlySpan<byte> header = buffer.Slice(position + 1, headerBytes);
        long length = headerBytes switch
        {
            1 => header[0],
            2 => BinaryPrimitives.ReadUInt16BigEndian(header),
            _ => BinaryPrimitives.ReadUInt32BigEndian(header),
        };
        if (length > Array.MaxLength)
        {
            throw new InvalidDataException($"A log record holds a {length}-byte field, larger than any entry can be.");
        }

        int start = position + 1 + headerBytes;
        if (buffer.Length - start < length)
        {
            return false;
        }

        value = buffer.Slice(start, (int)length);
        position = start + (int)length;
        return true;
    }
}
