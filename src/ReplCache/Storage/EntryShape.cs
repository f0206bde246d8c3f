namespace ReplCache.Storage;

/// <summary>
/// The first word of every entry (see <see cref="EntryLayout"/>): which of the optional header fields the entry
/// has, and — for all but unusually long keys or values — its key and value lengths. Immutable once written, but
/// for <see cref="Linked"/>, which only the writer changes, under the store's write lock.
/// </summary>
/// <remarks>
/// <code>
/// bit 0       Wide       the lengths are too long for this word: an 8-byte field holds them
/// bit 1       Absolute   an absolute expiry field follows
/// bit 2       Sliding    a sliding window, its deadline and the deadline secondaries were told follow
/// bits 3..12  key length   (narrow: up to 1023 bytes)
/// bits 13..30 value length (narrow: up to 256 KiB - 1)
/// bit 31      Linked     the entry is in a table: set once it is complete, cleared when it is unlinked
/// </code>
/// Most cache entries never expire or carry one absolute deadline, have keys of tens of bytes and values of
/// hundreds; they pay 8 bytes of header (this word and the access clock) instead of a fixed 44, and only what an
/// entry has costs it anything. A wide entry pays 8 bytes more, nothing beside a key of a kilobyte or a value of
/// a quarter of a megabyte.
/// <para><see cref="Linked"/> lets a walk over the pages in memory order (<see cref="PageWalk"/>) tell an entry
/// that is in a table from a block that is free, being written, or retired: a block's first word is never anything
/// but a shape (the allocator threads its free list through the second word).</para>
/// </remarks>
internal readonly struct EntryShape(uint bits)
{
    /// <summary>The shape word and the access clock: the header of an entry with no optional field.</summary>
    public const int BaseSize = 8;

    public const int MaxNarrowKeyLength = (1 << 10) - 1;

    public const int MaxNarrowValueLength = (1 << 18) - 1;

    private const uint Wide = 1;
    private const uint Absolute = 2;
    private const uint Sliding = 4;
    private const int KeyShift = 3;
    private const int ValueShift = 13;

    /// <summary>The bit that says the entry is linked into a table (see <see cref="EntryLayout.MarkLinked"/>).</summary>
    public const uint Linked = 1u << 31;

    public uint Bits { get; } = bits;

    public bool IsWide => (Bits & Wide) != 0;

    public bool HasAbsolute => (Bits & Absolute) != 0;

    public bool HasSliding => (Bits & Sliding) != 0;

    /// <summary>True when the entry has any deadline, so a read must consult the clock.</summary>
    public bool CanExpire => (Bits & (Absolute | Sliding)) != 0;

    /// <summary>
    /// Bytes before the key: the base, then 8 for the wide lengths, 8 for the absolute expiry and 24 for the three
    /// sliding fields (each flag bit, shifted, is its field's size).
    /// </summary>
    public int HeaderSize => BaseSize + (int)((Bits & Wide) << 3) + (int)((Bits & Absolute) << 2) + (int)((Bits & Sliding) * 6);

    /// <summary>Where the wide lengths are: key length, then value length (ints).</summary>
    public static int WideLengthsOffset => BaseSize;

    /// <summary>Where the absolute expiry is, when <see cref="HasAbsolute"/>.</summary>
    public int AbsoluteOffset => BaseSize + (int)((Bits & Wide) << 3);

    /// <summary>Where the sliding window is, followed by its deadline and the logged deadline, when <see cref="HasSliding"/>.</summary>
    public int SlidingOffset => AbsoluteOffset + (int)((Bits & Absolute) << 2);

    /// <summary>The key length held in the word (meaningful unless <see cref="IsWide"/>).</summary>
    public int NarrowKeyLength => (int)(Bits >> KeyShift) & MaxNarrowKeyLength;

    /// <summary>The value length held in the word (meaningful unless <see cref="IsWide"/>).</summary>
    public int NarrowValueLength => (int)(Bits >> ValueShift) & MaxNarrowValueLength;

    /// <summary>The shape of an entry with these lengths and deadlines (0 = none).</summary>
    public static EntryShape Of(int keyLength, int valueLength, long absoluteExpiryMs, long slidingMs)
    {
        uint bits = (absoluteExpiryMs != 0 ? Absolute : 0) | (slidingMs != 0 ? Sliding : 0);
        if ((uint)keyLength <= MaxNarrowKeyLength && (uint)valueLength <= MaxNarrowValueLength)
        {
            bits |= ((uint)keyLength << KeyShift) | ((uint)valueLength << ValueShift);
        }
        else
        {
            bits |= Wide;
        }

        return new EntryShape(bits);
    }
}
