using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ReplCache.Storage;

/// <summary>
/// The layout of one stored entry in its block (see <see cref="Memory.SlabAllocator"/>): header, UTF-8 key, value —
/// one run of bytes, no object of its own.
/// </summary>
/// <remarks>
/// <code>
/// [0..4)  uint  Shape               which optional fields follow; narrow key and value lengths; whether it is linked (see <see cref="EntryShape"/>).
/// [4..8)  int   AccessClock         coarse last-access clock for approximate LRU (mutable).
/// then, only those the shape names, in this order (8 bytes each):
///         int   KeyLength, int ValueLength   Wide only. Immutable.
///         long  AbsoluteExpiryMs    unix ms. Immutable.
///         long  SlidingMs           Immutable.
///         long  SlidingDeadlineMs   unix ms; renewed by reads (mutable, volatile).
///         long  LoggedDeadlineMs    the sliding deadline secondaries were last told of (mutable; primary only).
/// then the key bytes, then the value bytes.
/// </code>
/// A field an entry does not have reads as 0 (no expiry, no window), which is what the fixed header of 44 bytes
/// used to hold for most entries. Blocks start at multiples of 8 in pinned arrays whose data is 8-byte aligned, and
/// every optional field is 8 bytes from an 8-byte base, so the long fields can be read and written atomically.
/// The mutable fields live in the entry, not in a table slot, so that a table resize — which copies slots, not
/// entries — can never lose a concurrent renewal.
/// </remarks>
internal static class EntryLayout
{
    private const int AccessClockOffset = 4;

    /// <summary>The bytes an entry of this key, value and deadlines occupies before rounding to its block.</summary>
    public static long Size(int keyLength, int valueLength, long absoluteExpiryMs, long slidingMs) =>
        (long)EntryShape.Of(keyLength, valueLength, absoluteExpiryMs, slidingMs).HeaderSize + keyLength + valueLength;

    /// <summary>Writes the header of a freshly allocated entry (its block holds <see cref="Size"/> bytes); the caller fills the key and value bytes.</summary>
    public static void Initialize(Entry entry, int keyLength, int valueLength, long absoluteExpiryMs, long slidingMs, long slidingDeadlineMs)
    {
        EntryShape shape = EntryShape.Of(keyLength, valueLength, absoluteExpiryMs, slidingMs);
        ref byte start = ref Block(entry, shape.HeaderSize);
        Unsafe.As<byte, uint>(ref start) = shape.Bits;
        Unsafe.As<byte, int>(ref Unsafe.Add(ref start, AccessClockOffset)) = 0;
        if (shape.IsWide)
        {
            Unsafe.As<byte, int>(ref Unsafe.Add(ref start, EntryShape.WideLengthsOffset)) = keyLength;
            Unsafe.As<byte, int>(ref Unsafe.Add(ref start, EntryShape.WideLengthsOffset + 4)) = valueLength;
        }

        if (shape.HasAbsolute)
        {
            Unsafe.As<byte, long>(ref Unsafe.Add(ref start, shape.AbsoluteOffset)) = absoluteExpiryMs;
        }

        if (shape.HasSliding)
        {
            ref byte sliding = ref Unsafe.Add(ref start, shape.SlidingOffset);
            Unsafe.As<byte, long>(ref sliding) = slidingMs;
            Unsafe.As<byte, long>(ref Unsafe.Add(ref sliding, 8)) = slidingDeadlineMs;
            Unsafe.As<byte, long>(ref Unsafe.Add(ref sliding, 16)) = slidingDeadlineMs;
        }
    }

    public static EntryShape Shape(Entry entry) => new(ShapeWord(entry));

    /// <summary>
    /// Marks a complete entry as linked into a table. Writer only, after the key and value are written: the release
    /// makes them visible to a walk that reads the mark (see <see cref="IsLinked"/>).
    /// </summary>
    public static void MarkLinked(Entry entry)
    {
        ref uint word = ref ShapeWord(entry);
        Volatile.Write(ref word, word | EntryShape.Linked);
    }

    /// <summary>Marks an entry unlinked from its table (retired). Writer only.</summary>
    public static void MarkUnlinked(Entry entry)
    {
        ref uint word = ref ShapeWord(entry);
        Volatile.Write(ref word, word & ~EntryShape.Linked);
    }

    /// <summary>
    /// Whether the block holds a complete entry that is in a table; an acquire, so its bytes read after it are the
    /// entry's. For a walk in memory order: the block may be free or being written, and then this is false.
    /// </summary>
    public static bool IsLinked(Entry entry) => (Volatile.Read(ref ShapeWord(entry)) & EntryShape.Linked) != 0;

    public static long AbsoluteExpiryMs(Entry entry)
    {
        ref byte start = ref Header(entry, out EntryShape shape);
        return shape.HasAbsolute ? Unsafe.As<byte, long>(ref Unsafe.Add(ref start, shape.AbsoluteOffset)) : 0;
    }

    public static long SlidingMs(Entry entry)
    {
        ref byte start = ref Header(entry, out EntryShape shape);
        return shape.HasSliding ? Unsafe.As<byte, long>(ref Unsafe.Add(ref start, shape.SlidingOffset)) : 0;
    }

    /// <summary>The sliding deadline (unix ms); 0 for an entry without a sliding window.</summary>
    public static long SlidingDeadlineMs(Entry entry)
    {
        ref byte start = ref Header(entry, out EntryShape shape);
        return shape.HasSliding ? Volatile.Read(ref Unsafe.As<byte, long>(ref Unsafe.Add(ref start, shape.SlidingOffset + 8))) : 0;
    }

    /// <summary>Moves a sliding entry's deadline. Only an entry with a sliding window has the field.</summary>
    public static void SetSlidingDeadlineMs(Entry entry, long value) => Volatile.Write(ref SlidingField(entry, 8), value);

    /// <summary>The sliding deadline secondaries were last told of; 0 for an entry without a sliding window.</summary>
    public static long LoggedDeadlineMs(Entry entry)
    {
        ref byte start = ref Header(entry, out EntryShape shape);
        return shape.HasSliding ? Volatile.Read(ref Unsafe.As<byte, long>(ref Unsafe.Add(ref start, shape.SlidingOffset + 16))) : 0;
    }

    /// <summary>Records the deadline secondaries were told. Only an entry with a sliding window has the field.</summary>
    public static void SetLoggedDeadlineMs(Entry entry, long value) => Volatile.Write(ref SlidingField(entry, 16), value);

    public static int AccessClock(Entry entry) => Volatile.Read(ref Unsafe.As<byte, int>(ref Unsafe.Add(ref Block(entry, EntryShape.BaseSize), AccessClockOffset)));

    public static void SetAccessClock(Entry entry, int value) => Volatile.Write(ref Unsafe.As<byte, int>(ref Unsafe.Add(ref Block(entry, EntryShape.BaseSize), AccessClockOffset)), value);

    public static int KeyLength(Entry entry)
    {
        ref byte start = ref Header(entry, out EntryShape shape);
        return KeyLength(ref start, shape);
    }

    public static int ValueLength(Entry entry)
    {
        ref byte start = ref Header(entry, out EntryShape shape);
        return ValueLength(ref start, shape);
    }

    /// <summary>Header, key and value: the bytes the entry occupies in its block.</summary>
    public static int Length(Entry entry)
    {
        ref byte start = ref Header(entry, out EntryShape shape);
        return shape.HeaderSize + KeyLength(ref start, shape) + ValueLength(ref start, shape);
    }

    public static ReadOnlySpan<byte> Key(Entry entry) => KeyForWrite(entry);

    public static Span<byte> KeyForWrite(Entry entry)
    {
        ref byte start = ref Header(entry, out EntryShape shape);
        return Within(entry, ref start, shape.HeaderSize, KeyLength(ref start, shape));
    }

    public static ReadOnlySpan<byte> Value(Entry entry) => ValueForWrite(entry);

    public static Span<byte> ValueForWrite(Entry entry)
    {
        ref byte start = ref Header(entry, out EntryShape shape);
        return Within(entry, ref start, shape.HeaderSize + KeyLength(ref start, shape), ValueLength(ref start, shape));
    }

    /// <summary>True when the entry has any deadline, so a read must consult the clock.</summary>
    public static bool CanExpire(Entry entry) => Shape(entry).CanExpire;

    /// <summary>The moment the entry stops being visible: the earlier of its absolute and sliding deadlines.</summary>
    public static long EffectiveExpiryMs(Entry entry)
    {
        ref byte start = ref Header(entry, out EntryShape shape);
        long absolute = shape.HasAbsolute ? Unsafe.As<byte, long>(ref Unsafe.Add(ref start, shape.AbsoluteOffset)) : 0;
        if (!shape.HasSliding)
        {
            return absolute;
        }

        long sliding = Volatile.Read(ref Unsafe.As<byte, long>(ref Unsafe.Add(ref start, shape.SlidingOffset + 8)));
        return absolute == 0 ? sliding : Math.Min(absolute, sliding);
    }

    public static bool IsExpired(Entry entry, long nowMs)
    {
        long expiry = EffectiveExpiryMs(entry);
        return expiry != 0 && nowMs >= expiry;
    }

    private static int KeyLength(ref byte start, EntryShape shape) =>
        shape.IsWide ? Unsafe.As<byte, int>(ref Unsafe.Add(ref start, EntryShape.WideLengthsOffset)) : shape.NarrowKeyLength;

    private static int ValueLength(ref byte start, EntryShape shape) =>
        shape.IsWide ? Unsafe.As<byte, int>(ref Unsafe.Add(ref start, EntryShape.WideLengthsOffset + 4)) : shape.NarrowValueLength;

    /// <summary>A mutable sliding field, <paramref name="fieldOffset"/> past the window; refuses an entry that has none.</summary>
    private static ref long SlidingField(Entry entry, int fieldOffset)
    {
        ref byte start = ref Header(entry, out EntryShape shape);
        if (!shape.HasSliding)
        {
            ThrowNotSliding();
        }

        return ref Unsafe.As<byte, long>(ref Unsafe.Add(ref start, shape.SlidingOffset + fieldOffset));
    }

    /// <summary>The entry's first byte and its shape, the whole header bounds-checked against its page: a field read never leaves the page.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref byte Header(Entry entry, out EntryShape shape)
    {
        ref byte start = ref Block(entry, EntryShape.BaseSize);
        shape = new EntryShape(Unsafe.As<byte, uint>(ref start));
        if (entry.Offset > entry.PageLength - shape.HeaderSize)
        {
            ThrowOutsidePage(entry.Offset, entry.PageLength);
        }

        return ref start;
    }

    /// <summary>
    /// <paramref name="length"/> bytes from <paramref name="from"/> past the entry's first byte, checked to lie inside
    /// its page — against the length the page table keeps, so the array's header is never read (see <see cref="Memory.PageMemory"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Span<byte> Within(Entry entry, ref byte start, int from, int length)
    {
        if ((ulong)(uint)entry.Offset + (uint)from + (uint)length > (uint)entry.PageLength)
        {
            ThrowOutsidePage(entry.Offset, entry.PageLength);
        }

        return MemoryMarshal.CreateSpan(ref Unsafe.Add(ref start, from), length);
    }

    /// <summary>The entry's first word (its <see cref="EntryShape"/>), checked to lie inside its page with the access clock.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref uint ShapeWord(Entry entry) => ref Unsafe.As<byte, uint>(ref Block(entry, EntryShape.BaseSize));

    /// <summary>The entry's first byte, <paramref name="bytes"/> of it checked to lie inside its page.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref byte Block(Entry entry, int bytes)
    {
        int offset = entry.Offset;
        if ((uint)offset > (uint)(entry.PageLength - bytes))
        {
            ThrowOutsidePage(offset, entry.PageLength);
        }

        return ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(entry.Page), offset);
    }

    [DoesNotReturn]
    private static void ThrowOutsidePage(int offset, int length) =>
        throw new InvalidOperationException($"An entry handle points at offset {offset} of a {length}-byte page: the store's memory is corrupt.");

    [DoesNotReturn]
    private static void ThrowNotSliding() =>
        throw new InvalidOperationException("Only an entry with a sliding window has a sliding deadline to move.");
}
