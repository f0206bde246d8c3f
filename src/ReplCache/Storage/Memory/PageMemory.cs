namespace ReplCache.Storage.Memory;

/// <summary>A page's pinned array and its length, side by side in the allocator's page table.</summary>
/// <remarks>
/// The length is kept here so that a reader checks an entry's bounds without reading the array's own header: that
/// header lies on another cache line (and mostly another 4 KB page) than the entry, and over a million entries it
/// was a dependent miss of its own on every lookup — about a fifth of a random Get's time in the store, measured
/// with perf. The page table itself is small (16 bytes per 64 KB page) and stays in cache.
/// </remarks>
internal readonly struct PageMemory(byte[] array)
{
    public byte[] Array { get; } = array;

    public int Length { get; } = array.Length;

    public bool IsEmpty => Array is null;
}
