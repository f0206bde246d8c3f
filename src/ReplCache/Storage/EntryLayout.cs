using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ReplCache.Storage;

/// <summary>
/// The layout of one stored entry. Every entry is a single byte array — header, UTF-8 key, value —
/// so an entry costs one object, not four (node, key string, value array, metadata), which is what
/// keeps the overhead per entry under 120 bytes and the GC's mark work proportional to one object.
/// </summary>
/// <remarks>
/// <code>
/// [0..8)    long  AbsoluteExpiryMs    unix ms; 0 = none. Immutable.
/// [8..16)   long  SlidingMs           0 = none. Immutable.
/// [16..24)  long  SlidingDeadlineMs   unix ms; renewed by reads (mutable, volatile). 0 without sliding.
/// [24..28)  int   AccessClock         coarse last-access clock for approximate LRU (mutable).
/// [28..32)  int   KeyLength           bytes of UTF-8 key.
/// [32..40)  long  LoggedDeadlineMs    the sliding deadline secondaries were last told of (mutable; primary only).
/// [40..)    key bytes, then value bytes.
/// </code>
/// Array data is 8-byte aligned on 64-bit runtimes, so the long fields can be read and written atomically.
/// The two mutable fields live in the array, not in a table slot, so that a table resize — which copies
/// slots, not arrays — can never lose a concurrent renewal.
/// </remarks>
internal static class EntryLayout
{
    public const int HeaderSize = 40;
    private const int SlidingOffset = 8;
    private const int SlidingDeadlineOffset = 16;
    private const int AccessClockOffset = 24;
    private const int KeyLengthOffset = 28;
    private const int LoggedDeadlineOffset = 32;

    /// <summary>Allocates an entry with its header written; the caller fills the key and value bytes.</summary>
    public static byte[] Allocate(int keyLength, int valueLength, long absoluteExpiryMs, long slidingMs, long slidingDeadlineMs)
    {
        var blob = GC.AllocateUninitializedArray<byte>(HeaderSize + keyLength + valueLength);
        ref byte start = ref MemoryMarshal.GetArrayDataReference(blob);
        Unsafe.As<byte, long>(ref start) = absoluteExpiryMs;
        Unsafe.As<byte, long>(ref Unsafe.Add(ref start, SlidingOffset)) = slidingMs;
        Unsafe.As<byte, long>(ref Unsafe.Add(ref start, SlidingDeadlineOffset)) = slidingDeadlineMs;
        Unsafe.As<byte, int>(ref Unsafe.Add(ref start, AccessClockOffset)) = 0;
        Unsafe.As<byte, int>(ref Unsafe.Add(ref start, KeyLengthOffset)) = keyLength;
        Unsafe.As<byte, long>(ref Unsafe.Add(ref start, LoggedDeadlineOffset)) = slidingDeadlineMs;
        return blob;
    }

    /// <summary>Builds a complete entry from its parts.</summary>
    public static byte[] Create(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, long absoluteExpiryMs, long slidingMs, long slidingDeadlineMs)
    {
        byte[] blob = Allocate(key.Length, value.Length, absoluteExpiryMs, slidingMs, slidingDeadlineMs);
        key.CopyTo(blob.AsSpan(HeaderSize));
        value.CopyTo(blob.AsSpan(HeaderSize + key.Length));
        return blob;
    }

    public static long AbsoluteExpiryMs(byte[] blob) => Unsafe.As<byte, long>(ref MemoryMarshal.GetArrayDataReference(blob));

    public static long SlidingMs(byte[] blob) => Unsafe.As<byte, long>(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(blob), SlidingOffset));

    public static long SlidingDeadlineMs(byte[] blob) => Volatile.Read(ref SlidingDeadlineRef(blob));

    public static void SetSlidingDeadlineMs(byte[] blob, long value) => Volatile.Write(ref SlidingDeadlineRef(blob), value);

    public static long LoggedDeadlineMs(byte[] blob) => Volatile.Read(ref LoggedDeadlineRef(blob));

    public static void SetLoggedDeadlineMs(byte[] blob, long value) => Volatile.Write(ref LoggedDeadlineRef(blob), value);

    public static int AccessClock(byte[] blob) => Volatile.Read(ref AccessClockRef(blob));

    public static void SetAccessClock(byte[] blob, int value) => Volatile.Write(ref AccessClockRef(blob), value);

    public static int KeyLength(byte[] blob) => Unsafe.As<byte, int>(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(blob), KeyLengthOffset));

    public static ReadOnlySpan<byte> Key(byte[] blob) => blob.AsSpan(HeaderSize, KeyLength(blob));

    public static Span<byte> KeyForWrite(byte[] blob) => blob.AsSpan(HeaderSize, KeyLength(blob));

    public static ReadOnlySpan<byte> Value(byte[] blob) => blob.AsSpan(HeaderSize + KeyLength(blob));

    public static Span<byte> ValueForWrite(byte[] blob) => blob.AsSpan(HeaderSize + KeyLength(blob));

    public static int ValueLength(byte[] blob) => blob.Length - HeaderSize - KeyLength(blob);

    /// <summary>True when the entry has any deadline, so a read must consult the clock.</summary>
    public static bool CanExpire(byte[] blob) => AbsoluteExpiryMs(blob) != 0 || SlidingMs(blob) != 0;

    /// <summary>The moment the entry stops being visible: the earlier of its absolute and sliding deadlines.</summary>
    public static long EffectiveExpiryMs(byte[] blob)
    {
        long absolute = AbsoluteExpiryMs(blob);
        if (SlidingMs(blob) == 0)
        {
            return absolute;
        }

        long sliding = SlidingDeadlineMs(blob);
        return absolute == 0 ? sliding : Math.Min(absolute, sliding);
    }

    public static bool IsExpired(byte[] blob, long nowMs)
    {
        long expiry = EffectiveExpiryMs(blob);
        return expiry != 0 && nowMs >= expiry;
    }

    private static ref long SlidingDeadlineRef(byte[] blob) => ref Unsafe.As<byte, long>(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(blob), SlidingDeadlineOffset));

    private static ref long LoggedDeadlineRef(byte[] blob) => ref Unsafe.As<byte, long>(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(blob), LoggedDeadlineOffset));

    private static ref int AccessClockRef(byte[] blob) => ref Unsafe.As<byte, int>(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(blob), AccessClockOffset));
}
