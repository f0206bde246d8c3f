using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace ReplCache.Storage;

/// <summary>
/// The largest key and value a node stores (<see cref="ReplicatedCacheOptions.MaxKeyBytes"/>,
/// <see cref="ReplicatedCacheOptions.MaxValueBytes"/>), checked at every door: the public API, the Redis-protocol
/// endpoint, records applied from a primary, snapshot files.
/// </summary>
internal sealed class EntryLimits(int maxKeyBytes, int maxValueBytes)
{
    /// <summary>
    /// What a Set record adds to its key and value: the array header, the kind, two bin headers (5 bytes each) and
    /// three 64-bit integers (9 bytes each), rounded up.
    /// </summary>
    public const int RecordOverheadBytes = 64;

    /// <summary>The defaults, for stores built without options (tests, benchmarks).</summary>
    public static EntryLimits Default { get; } = new(ReplicatedCacheOptions.DefaultMaxKeyBytes, ReplicatedCacheOptions.DefaultMaxValueBytes);

    public int MaxKeyBytes { get; } = maxKeyBytes;

    public int MaxValueBytes { get; } = maxValueBytes;

    /// <summary>The longest log record a well-formed stream can hold: bounds a secondary's buffer for a record cut between batches.</summary>
    public long MaxRecordBytes => (long)MaxKeyBytes + MaxValueBytes + RecordOverheadBytes;

    public static EntryLimits From(ReplicatedCacheOptions options) => new(options.MaxKeyBytes, options.MaxValueBytes);

    /// <summary>The public API's check: <see cref="ArgumentException"/> naming the limit.</summary>
    public void ThrowIfTooLarge(string key, long valueBytes)
    {
        // A UTF-8 encoding is at most three bytes per UTF-16 char, so short keys skip the count.
        if (key.Length > MaxKeyBytes / 3 && Encoding.UTF8.GetByteCount(key) > MaxKeyBytes)
        {
            ThrowKey(Encoding.UTF8.GetByteCount(key));
        }

        if (valueBytes > MaxValueBytes)
        {
            ThrowValue(valueBytes);
        }
    }

    /// <summary>The check of a key and value given as bytes (the Redis-protocol endpoint).</summary>
    public void ThrowIfTooLarge(ReadOnlySpan<byte> key, long valueBytes)
    {
        if (key.Length > MaxKeyBytes)
        {
            ThrowKey(key.Length);
        }

        if (valueBytes > MaxValueBytes)
        {
            ThrowValue(valueBytes);
        }
    }

    /// <summary>The Redis-protocol endpoint's error, Redis's "string exceeds maximum allowed size" naming our limit; null when both fit.</summary>
    public string? DescribeExcess(int keyBytes, int valueBytes) =>
        keyBytes > MaxKeyBytes ? $"ERR key exceeds maximum allowed size (MaxKeyBytes is {MaxKeyBytes} bytes)"
        : valueBytes > MaxValueBytes ? $"ERR string exceeds maximum allowed size (MaxValueBytes is {MaxValueBytes} bytes)"
        : null;

    /// <summary>A record from a primary or a snapshot file: anything larger than this node accepts is refused as bad data.</summary>
    public void ThrowIfRecordTooLarge(int keyBytes, int valueBytes)
    {
        if (keyBytes > MaxKeyBytes)
        {
            throw new InvalidDataException($"A record holds a {keyBytes}-byte key; this node's MaxKeyBytes is {MaxKeyBytes}.");
        }

        if (valueBytes > MaxValueBytes)
        {
            throw new InvalidDataException($"A record holds a {valueBytes}-byte value; this node's MaxValueBytes is {MaxValueBytes}.");
        }
    }

    [DoesNotReturn]
    private void ThrowKey(long bytes) =>
        throw new ArgumentException($"The key is {bytes} bytes in UTF-8, more than MaxKeyBytes ({MaxKeyBytes}) allows.", "key");

    [DoesNotReturn]
    private void ThrowValue(long bytes) =>
        throw new ArgumentException($"The value is {bytes} bytes, more than MaxValueBytes ({MaxValueBytes}) allows.", "value");
}
