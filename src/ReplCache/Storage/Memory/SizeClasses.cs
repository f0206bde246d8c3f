namespace ReplCache.Storage.Memory;

/// <summary>
/// The block sizes the slab allocator hands out: every multiple of 8 up to 256 bytes, then sixteen classes per
/// power of two (each at most 6.25% above the one before) up to <see cref="MaxSlabBlock"/>. Larger entries get an
/// array of their own.
/// </summary>
/// <remarks>
/// 8-byte steps are the finest that keep the 8-byte header fields of every block aligned, and waste at most 7 bytes
/// (3.5 on average) on the small entries a cache mostly holds — 16-byte steps wasted 7.5 on average, which at 20
/// bytes of overhead per entry is a third more; sixteenth-power steps above 256 bound the waste of a larger entry to
/// a sixteenth of it (jemalloc uses quarters; a cache of same-sized values pays the rounding on every entry, so
/// finer is worth the extra classes, whose cost is at most one partly used page each).
/// </remarks>
internal static class SizeClasses
{
    /// <summary>The largest block carved out of a slab page; an entry above it is a page of its own.</summary>
    public const int MaxSlabBlock = 64 * 1024;

    private static readonly int[] Sizes = BuildSizes();
    /// <summary>Blocks are multiples of this, and start at multiples of it.</summary>
    public const int Alignment = 8;

    private static readonly byte[] ClassByEighths = BuildLookup();

    public static int Count => Sizes.Length;

    /// <summary>The class whose blocks hold <paramref name="bytes"/> (at most <see cref="MaxSlabBlock"/>).</summary>
    public static int ClassOf(int bytes) => ClassByEighths[(bytes + 7) >> 3];

    public static int BlockSize(int sizeClass) => Sizes[sizeClass];

    /// <summary>What an entry of <paramref name="bytes"/> really occupies: its block, or its own array above the slabs.</summary>
    public static long Footprint(int bytes) => bytes > MaxSlabBlock ? bytes : Sizes[ClassOf(bytes)];

    private static int[] BuildSizes()
    {
        var sizes = new List<int>();
        for (int size = Alignment; size <= 256; size += Alignment)
        {
            sizes.Add(size);
        }

        for (int power = 256; power < MaxSlabBlock; power *= 2)
        {
            for (int step = 1; step <= 16; step++)
            {
                sizes.Add(power + (power / 16 * step));
            }
        }

        return [.. sizes];
    }

    private static byte[] BuildLookup()
    {
        var lookup = new byte[(MaxSlabBlock >> 3) + 1];
        int sizeClass = 0;
        for (int eighths = 0; eighths < lookup.Length; eighths++)
        {
            while (Sizes[sizeClass] < eighths << 3)
            {
                sizeClass++;
            }

            lookup[eighths] = (byte)sizeClass;
        }

        return lookup;
    }
}
