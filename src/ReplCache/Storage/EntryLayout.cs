using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ReplCache.Storage;

/// <summary>
/// The layout of one stored entry in its block (see <see cref="Memory.SlabAllocator"/>): header, UTF-8 key, value —
/// one run of bytes, no object of its own.
/// </summary>
/// <remarks>
/// <code>
/// [0..8)    long  AbsoluteExpiryMs    unix ms; 0 = none. Immutable.
/// [8..16)   long  SlidingMs           0 = none. Immutable.
/// [16..24)  long  SlidingDeadlineMs   unix ms; renewed by reads (mutable, volatile). 0 without sliding.
/// [24..28)  int   AccessClock         coarse last-access clock for approximate LRU (mutable).
/// [28..32)  int   KeyLength           bytes of UTF-8 key.
/// [32..40)  long  LoggedDeadlineMs    the sliding deadline secondaries were last told of (mutable; primary only).
/// [40..44)  int   ValueLength         bytes of value.
/// [44..)    key bytes, then value bytes.
/// </code>
/// Blocks start at multiples of 16 in pinned arrays whose data is 8-byte aligned, so the long fields can be read
/// and written atomically. The mutable fields live in the entry, not in a table slot, so that a table resize —
/// which copies slots, not entries — can never lose a concurrent renewal.
/// </remarks>
internal static class EntryLayout
{
    public const int HeaderSize = 44;
    private const int SlidingOffset = 8;
    private const int SlidingDeadlineOffset = 16;
    private const int AccessClockOffset = 24;
    private const int KeyLengthOffset = 28;
    private const int LoggedDeadlineOffset = 32;
    private const int ValueLengthOffset = 40;

    /// <summary>The bytes an entry of this key and value occupies before rounding to its block.</summary>
    public static long Size(int keyLength, int valueLength) => (long)HeaderSize + keyLength + valueLength;

    /// <summary>Writes the header of a freshly allocated entry; the caller fills the key and value bytes.</summary>
    public static void Initialize(Entry entry, int keyLength, int valueLength, long absoluteExpiryMs, long slidingMs, long slidingDeadlineMs)
    {
        ref byte start = ref Start(entry);
        Unsafe.As<byte, long>(ref start) = absoluteExpiryMs;
        Unsafe.As<byte, long>(ref Unsafe.Add(ref start, SlidingOffset)) = slidingMs;
        Unsafe.As<byte, long>(ref Unsafe.Add(ref start, SlidingDeadlineOffset)) = slidingDeadlineMs;
        Unsafe.As<byte, int>(ref Unsafe.Add(ref start, AccessClockOffset)) = 0;
        Unsafe.As<byte, int>(ref Unsafe.Add(ref start, KeyLengthOffset)) = keyLength;
        Unsafe.As<byte, long>(ref Unsafe.Add(ref start, LoggedDeadlineOffset)) = slidingDeadlineMs;
        Unsafe.As<byte, int>(ref Unsafe.Add(ref start, ValueLengthOffset)) = valueLength;
    }

    public static long AbsoluteExpiryMs(Entry entry) => Unsafe.As<byte, long>(ref Start(entry));

    public static long SlidingMs(Entry entry) => Unsafe.As<byte, long>(ref Unsafe.Add(ref Start(entry), SlidingOffset));

    public static long SlidingDeadlineMs(Entry entry) => Volatile.Read(ref Field<long>(entry, SlidingDeadlineOffset));

    public static void SetSlidingDeadlineMs(Entry entry, long value) => Volatile.Write(ref Field<long>(entry, SlidingDeadlineOffset), value);

    public static long LoggedDeadlineMs(Entry entry) => Volatile.Read(ref Field<long>(entry, LoggedDeadlineOffset));

    public static void SetLoggedDeadlineMs(Entry entry, long value) => Volatile.Write(ref Field<long>(entry, LoggedDeadlineOffset), value);

    public static int AccessClock(Entry entry) => Volatile.Read(ref Field<int>(entry, AccessClockOffset));

    public static void SetAccessClock(Entry entry, int value) => Volatile.Write(ref Field<int>(entry, AccessClockOffset), value);

    public static int KeyLength(Entry entry) => Unsafe.As<byte, int>(ref Unsafe.Add(ref Start(entry), KeyLengthOffset));

    public static int ValueLength(Entry entry) => Unsafe.As<byte, int>(ref Unsafe.Add(ref Start(entry), ValueLengthOffset));

    /// <summary>Header, key and value: the bytes the entry occupies in its block.</summary>
    public static int Length(Entry entry) => HeaderSize + KeyLength(entry) + ValueLength(entry);

    public static ReadOnlySpan<byte> Key(Entry entry) => entry.Page.AsSpan(entry.Offset + HeaderSize, KeyLength(entry));

    public static Span<byte> KeyForWrite(Entry entry) => entry.Page.AsSpan(entry.Offset + HeaderSize, KeyLength(entry));

    public static ReadOnlySpan<byte> Value(Entry entry) => entry.Page.AsSpan(entry.Offset + HeaderSize + KeyLength(entry), ValueLength(entry));

    public static Span<byte> ValueForWrite(Entry entry) => entry.Page.AsSpan(entry.Offset + HeaderSize + KeyLength(entry), ValueLength(entry));

    /// <summary>True when the entry has any deadline, so a read must consult the clock.</summary>
    public static bool CanExpire(Entry entry) => AbsoluteExpiryMs(entry) != 0 || SlidingMs(entry) != 0;

    /// <summary>The moment the entry stops being visible: the earlier of its absolute and sliding deadlines.</summary>
    public static long EffectiveExpiryMs(Entry entry)
    {
        long absolute = AbsoluteExpiryMs(entry);
        if (SlidingMs(entry) == 0)
        {
            return absolute;
        }

        long sliding = SlidingDeadlineMs(entry);
        return absolute == 0 ? sliding : Math.Min(absolute, sliding);
    }

    public static bool IsExpired(Entry entry, long nowMs)
    {
        long expiry = EffectiveExpiryMs(entry);
        return expiry != 0 && nowMs >= expiry;
    }

    /// <summary>The entry's first byte. Bounds-checked once against its page, so a field read never leaves the page.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref byte Start(Entry entry)
    {
        byte[] page = entry.Page;
        int offset = entry.Offset;
        if ((uint)offset > (uint)(page.Length - HeaderSize))
        {
            ThrowOutsidePage(offset, page.Length);
        }

        return ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(page), offset);
    }

    private static ref T Field<T>(Entry entry, int fieldOffset)
        where T : unmanaged => ref Unsafe.As<byte, T>(ref Unsafe.Add(ref Start(entry), fieldOffset));

    private static void ThrowOutsidePage(int offset, int length) =>
        throw new InvalidOperationException($"An entry handle points at offset {offset} of a {length}-byte page: the store's memory is corrupt.");
}
