namespace ReplCache.Storage;

/// <summary>
/// The store's books: the bytes its entries cost, how many of them can expire, a version bumped by every change,
/// and the entries removed by expiry and by eviction.
/// </summary>
/// <remarks>
/// Written only under the store's write lock, by <see cref="StoreWriter"/>; read lock-free by statistics, by
/// scans that want to know whether they raced with a writer, and by the expiry sweep's "nothing can expire" exit.
/// The books count blocks as the allocator rounds them, not the pages it reserves (see <see cref="Memory.EntryHeap.ReservedBytes"/>).
/// </remarks>
internal sealed class StoreLedger
{
    /// <summary>What one entry costs beyond its block: its share of the slot table (8-byte slots, at most 3/4 full, at least 3/8 after growth: two slots).</summary>
    internal const int PerEntryOverhead = 16;

    private long _sizeBytes;
    private int _expiringCount;
    private long _version;
    private long _expirations;
    private long _evictions;

    /// <summary>Estimated bytes held by entries (what <c>SizeLimitBytes</c> bounds).</summary>
    public long SizeBytes => Volatile.Read(ref _sizeBytes);

    /// <summary>Entries held that have an absolute or sliding deadline.</summary>
    public int ExpiringCount => Volatile.Read(ref _expiringCount);

    /// <summary>Bumped by every change; lets a lock-free scan notice that it raced with writers.</summary>
    public long Version => Volatile.Read(ref _version);

    /// <summary>Entries removed because their deadline passed.</summary>
    public long Expirations => Volatile.Read(ref _expirations);

    /// <summary>Entries evicted to stay under the size limit.</summary>
    public long Evictions => Volatile.Read(ref _evictions);

    /// <summary>What an entry of <paramref name="size"/> bytes (see <see cref="EntryLayout.Size"/>) counts against the size limit: its block and its slot.</summary>
    public static long Cost(int size) => Memory.SizeClasses.Footprint(size) + PerEntryOverhead;

    /// <summary>What <paramref name="blob"/> counts against the size limit.</summary>
    public static long Cost(Entry blob) => Cost(EntryLayout.Length(blob));

    /// <summary>Books an entry in. Caller holds the write lock.</summary>
    public void Add(Entry blob)
    {
        Volatile.Write(ref _sizeBytes, _sizeBytes + Cost(blob));
        if (EntryLayout.CanExpire(blob))
        {
            Volatile.Write(ref _expiringCount, _expiringCount + 1);
        }

        Volatile.Write(ref _version, _version + 1);
    }

    /// <summary>Books an entry out. Caller holds the write lock.</summary>
    public void Forget(Entry blob)
    {
        Volatile.Write(ref _sizeBytes, _sizeBytes - Cost(blob));
        if (EntryLayout.CanExpire(blob))
        {
            Volatile.Write(ref _expiringCount, _expiringCount - 1);
        }

        Volatile.Write(ref _version, _version + 1);
    }

    /// <summary>Counts a removal the store made on its own initiative. Caller holds the write lock.</summary>
    public void CountRemoval(RemovalReason reason)
    {
        if (reason == RemovalReason.Expired)
        {
            Volatile.Write(ref _expirations, _expirations + 1);
        }
        else if (reason == RemovalReason.Evicted)
        {
            Volatile.Write(ref _evictions, _evictions + 1);
        }
    }

    /// <summary>
    /// Exchanges the books of the entries held with <paramref name="other"/>'s, as the tables exchange their entries
    /// (a staged load swapped in); the counts of removals stay, they are this store's history. Caller holds the write lock.
    /// </summary>
    public void ExchangeBooks(StoreLedger other)
    {
        (long size, int expiring) = (_sizeBytes, _expiringCount);
        Volatile.Write(ref _sizeBytes, other._sizeBytes);
        Volatile.Write(ref _expiringCount, other._expiringCount);
        Volatile.Write(ref _version, _version + 1);
        Volatile.Write(ref other._sizeBytes, size);
        Volatile.Write(ref other._expiringCount, expiring);
        Volatile.Write(ref other._version, other._version + 1);
    }

    /// <summary>Every entry is gone at once. Caller holds the write lock.</summary>
    public void Clear()
    {
        Volatile.Write(ref _sizeBytes, 0);
        Volatile.Write(ref _expiringCount, 0);
        Volatile.Write(ref _version, _version + 1);
    }
}
