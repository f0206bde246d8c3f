using ReplCache.Storage.Memory;

namespace ReplCache.Storage;

/// <summary>
/// A stored entry as a reader or the writer holds it for a moment: the handle the table keeps, resolved to the
/// page that holds the bytes (see <see cref="EntryLayout"/> for them).
/// </summary>
/// <remarks>
/// Valid only while its holder is inside the store's read protection (<see cref="StoreReadScope"/>) or holds the
/// write lock in the operation that found it: after that its block may hold another entry. Two entries are the
/// same entry when their handles are equal.
/// </remarks>
internal readonly struct Entry(long handle, PageMemory page) : IEquatable<Entry>
{
    /// <summary>The table's name for the entry: page index and offset (see <see cref="SlabAllocator"/>); 0 for none.</summary>
    public long Handle { get; } = handle;

    /// <summary>The pinned array holding the entry.</summary>
    public byte[] Page { get; } = page.Array;

    /// <summary>The length of <see cref="Page"/>, read from the page table, not from the array (see <see cref="PageMemory"/>).</summary>
    public int PageLength { get; } = page.Length;

    public int Offset => SlabAllocator.OffsetOf(Handle);

    public bool IsNull => Handle == 0;

    public bool Equals(Entry other) => Handle == other.Handle;

    public override bool Equals(object? obj) => obj is Entry other && Equals(other);

    public override int GetHashCode() => Handle.GetHashCode();

    public static bool operator ==(Entry left, Entry right) => left.Handle == right.Handle;

    public static bool operator !=(Entry left, Entry right) => left.Handle != right.Handle;
}
