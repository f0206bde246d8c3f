using System.Text;

namespace ReplCache.Storage;

/// <summary>
/// Keys the memory bound never evicts: those under <see cref="Prefix"/>, a name every node knows, so that whichever
/// node is primary (the one that evicts) spares them without being told. For data whose loss costs far more than its
/// bytes — the Data Protection key ring, without which no instance can read a cookie any instance issued.
/// </summary>
/// <remarks>Pinned entries still count toward <c>SizeLimitBytes</c>; a store holding only pinned entries stays over it.</remarks>
internal static class PinnedKeys
{
    public const string Prefix = "__replcache:pinned:";

    private static readonly byte[] PrefixBytes = Encoding.UTF8.GetBytes(Prefix);

    public static bool IsPinned(ReadOnlySpan<byte> key) => key.StartsWith(PrefixBytes);
}
