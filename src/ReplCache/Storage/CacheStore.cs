using System.Buffers;

namespace ReplCache.Storage;

/// <summary>
/// The local store: a thread-safe map from key to entry with expiry, sliding renewal and a memory bound.
/// </summary>
/// <remarks>
/// Reads never lock. Every mutation — a caller's write, an expiry, an eviction — takes one short write lock,
/// during which the store changes and <see cref="IStoreObserver"/> hears of it, so any log kept by the
/// observer is in exactly the order the store changed (the replication log depends on this).
/// Deadlines are unix milliseconds from the configured <see cref="TimeProvider"/>; a read consults the clock
/// only for entries that can expire, which keeps a hit on a non-expiring entry free of clock reads.
/// </remarks>
internal sealed partial class CacheStore : IDisposable
{
    /// <summary>What one entry costs beyond its array: the array header and its share of the slot table.</summary>
    internal const int PerEntryOverhead = 48;

    private readonly Lock _writeLock = new();
    private readonly EntryTable _table = new();
    private readonly StoreClock _clock;
    private readonly long? _sizeLimitBytes;
    private long _sizeBytes;
    private int _expiringCount;
    private long _version;
    private long _expirations;
    private long _evictions;

    public CacheStore(TimeProvider timeProvider, long? sizeLimitBytes)
    {
        _clock = new StoreClock(timeProvider);
        _sizeLimitBytes = sizeLimitBytes;
        _accessClock = 1;
        _expiryTimer = timeProvider.CreateTimer(static s => ((CacheStore)s!).OnTimerTick(), this, TimerPeriod, TimerPeriod);
    }

    /// <summary>The largest key and value stored; every write and every applied record is checked against them.</summary>
    public EntryLimits Limits { get; init; } = EntryLimits.Default;

    /// <summary>Hears every change; set once, before the store is shared (the replication layer sets it).</summary>
    public IStoreObserver? Observer { get; set; }

    /// <summary>
    /// True on a primary: the store deletes on its own initiative (expiry, eviction) and tells the observer.
    /// False on a secondary: expired entries are only hidden, and every removal arrives from the primary — so
    /// a secondary can never diverge by expiring or evicting something its primary still holds.
    /// </summary>
    public bool IsAuthoritative { get; set; } = true;

    /// <summary>
    /// Coalescing of sliding renewals. Secondaries are told a deadline two leads beyond the entry's own; a renewal
    /// is logged again only once the entry's own deadline has moved a full lead past the last one logged. So a key
    /// read a million times a second logs one Touch per lead, and what secondaries know is never earlier than the
    /// primary's own deadline (no secondary hides an entry its primary keeps) and at most two leads later.
    /// </summary>
    public long TouchLeadMs { get; set; } = 1000;

    /// <summary>Called (without the lock) when a read renews a sliding entry; a secondary forwards these to its primary.</summary>
    public Action<byte[]>? SlidingRenewed { get; set; }

    /// <summary>The write lock; the replication apply path holds it across a batch of records and the log append.</summary>
    public Lock WriteLock => _writeLock;

    public StoreClock Clock => _clock;

    /// <summary>Entries physically held, expired-but-not-yet-reclaimed ones included.</summary>
    public int PhysicalCount => _table.Count;

    /// <summary>Estimated bytes held by entries (what <c>SizeLimitBytes</c> bounds).</summary>
    public long SizeBytes => Volatile.Read(ref _sizeBytes);

    /// <summary>Entries removed because their deadline passed (only a primary removes them).</summary>
    public long Expirations => Volatile.Read(ref _expirations);

    /// <summary>Entries evicted to stay under the size limit.</summary>
    public long Evictions => Volatile.Read(ref _evictions);

    /// <summary>Bumped by every mutation; lets a lock-free scan notice that it raced with writers.</summary>
    public long Version => Volatile.Read(ref _version);

    /// <summary>Finds the live entry for <paramref name="key"/>, renewing its sliding deadline when asked.</summary>
    /// <returns>The entry array (read its value with <see cref="EntryLayout.Value"/>), or null on a miss.</returns>
    public byte[]? Get(string key, bool renewSliding)
    {
        int max = KeyCodec.MaxByteCount(key);
        if (max <= KeyCodec.StackLimit)
        {
            Span<byte> buffer = stackalloc byte[KeyCodec.StackLimit];
            int length = KeyCodec.Encode(key, buffer);
            return Get(buffer[..length], renewSliding);
        }

        return Get(KeyCodec.Encode(key), renewSliding);
    }

    public byte[]? Get(ReadOnlySpan<byte> key, bool renewSliding)
    {
        byte[]? blob = _table.Find(key, KeyCodec.Hash(key));
        if (blob is null)
        {
            return null;
        }

        if (EntryLayout.CanExpire(blob))
        {
            long now = _clock.NowMs();
            if (EntryLayout.IsExpired(blob, now))
            {
                RemoveIfExpired(key, blob);
                return null;
            }

            if (renewSliding && EntryLayout.SlidingMs(blob) != 0)
            {
                Renew(blob, now);
            }
        }

        if (_sizeLimitBytes is not null)
        {
            TouchAccessClock(blob);
        }

        return blob;
    }

    /// <summary>Stores an entry, replacing any entry with the same key.</summary>
    public void Set(string key, ReadOnlySpan<byte> value, long absoluteExpiryMs, long slidingMs, long nowMs)
    {
        Limits.ThrowIfTooLarge(key, value.Length);
        byte[] blob = CreateEntry(key, value.Length, absoluteExpiryMs, slidingMs, nowMs);
        value.CopyTo(EntryLayout.ValueForWrite(blob));
        Insert(blob);
    }

    /// <inheritdoc cref="Set(string, ReadOnlySpan{byte}, long, long, long)"/>
    public void Set(string key, in ReadOnlySequence<byte> value, long absoluteExpiryMs, long slidingMs, long nowMs)
    {
        if (value.Length > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value.Length, "The value is larger than the largest array .NET can allocate.");
        }

        Limits.ThrowIfTooLarge(key, value.Length);

        byte[] blob = CreateEntry(key, (int)value.Length, absoluteExpiryMs, slidingMs, nowMs);
        value.CopyTo(EntryLayout.ValueForWrite(blob));
        Insert(blob);
    }

    /// <summary>Stores a fully built entry (the replication apply path builds them from records).</summary>
    public void Insert(byte[] blob)
    {
        if (IsAuthoritative && _sizeLimitBytes is long limit && blob.Length + PerEntryOverhead > limit)
        {
            throw new ArgumentOutOfRangeException("value", blob.Length, $"The entry needs {blob.Length + PerEntryOverhead} bytes, more than SizeLimitBytes ({limit}) allows for the whole cache.");
        }

        int hash = KeyCodec.Hash(EntryLayout.Key(blob));
        lock (_writeLock)
        {
            byte[]? replaced = _table.Upsert(blob, hash);
            if (replaced is not null)
            {
                Forget(replaced);
            }

            Account(blob);
            if (Observer is not null)
            {
                if (EntryLayout.SlidingMs(blob) != 0)
                {
                    EntryLayout.SetLoggedDeadlineMs(blob, LeadDeadline(blob, EntryLayout.SlidingDeadlineMs(blob)));
                }

                Observer.OnSet(blob);
            }

            if (_sizeLimitBytes is long bound && _sizeBytes > bound && IsAuthoritative)
            {
                EvictUntilUnder(bound, protectedEntry: blob);
            }
        }
    }

    /// <summary>Removes the entry for <paramref name="key"/>; a missing key is a no-op.</summary>
    /// <returns>True when an entry was removed.</returns>
    public bool Remove(string key)
    {
        int max = KeyCodec.MaxByteCount(key);
        if (max <= KeyCodec.StackLimit)
        {
            Span<byte> buffer = stackalloc byte[KeyCodec.StackLimit];
            int length = KeyCodec.Encode(key, buffer);
            return Remove(buffer[..length]);
        }

        return Remove(KeyCodec.Encode(key));
    }

    public bool Remove(ReadOnlySpan<byte> key)
    {
        int hash = KeyCodec.Hash(key);
        lock (_writeLock)
        {
            byte[]? removed = _table.Remove(key, hash);
            if (removed is null)
            {
                return false;
            }

            Forget(removed);
            Observer?.OnRemoved(key, RemovalReason.Removed);
            return true;
        }
    }

    /// <summary>Drops every entry.</summary>
    public void Clear()
    {
        lock (_writeLock)
        {
            _table.Clear();
            _sizeBytes = 0;
            _expiringCount = 0;
            _version++;
            Observer?.OnCleared();
        }
    }

    /// <summary>Makes room for about <paramref name="entries"/> entries at once.</summary>
    public void Reserve(long entries)
    {
        lock (_writeLock)
        {
            _table.Reserve(entries);
        }
    }

    /// <summary>Renews the sliding deadline of a live entry; a no-op for missing or non-sliding entries.</summary>
    public void Refresh(string key) => Get(key, renewSliding: true);

    /// <summary>Runs <paramref name="action"/> under the write lock, so that nothing changes the store meanwhile.</summary>
    public T UnderWriteLock<T>(Func<T> action)
    {
        lock (_writeLock)
        {
            return action();
        }
    }

    public void Dispose() => _expiryTimer.Dispose();

    private static byte[] CreateEntry(string key, int valueLength, long absoluteExpiryMs, long slidingMs, long nowMs)
    {
        int keyLength = KeyCodec.GetByteCount(key);
        long deadline = slidingMs == 0 ? 0 : SlidingDeadline(nowMs, slidingMs, absoluteExpiryMs);
        if ((long)EntryLayout.HeaderSize + keyLength + valueLength > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException("value", valueLength, "The key and value together are larger than the largest array .NET can allocate.");
        }

        byte[] blob = EntryLayout.Allocate(keyLength, valueLength, absoluteExpiryMs, slidingMs, deadline);
        KeyCodec.Encode(key, EntryLayout.KeyForWrite(blob));
        return blob;
    }

    private static long SlidingDeadline(long nowMs, long slidingMs, long absoluteExpiryMs)
    {
        long deadline = nowMs > long.MaxValue - slidingMs ? long.MaxValue : nowMs + slidingMs;
        return absoluteExpiryMs == 0 ? deadline : Math.Min(deadline, absoluteExpiryMs);
    }

    private void Renew(byte[] blob, long nowMs)
    {
        long renewed = SlidingDeadline(nowMs, EntryLayout.SlidingMs(blob), EntryLayout.AbsoluteExpiryMs(blob));
        // Concurrent renewals race benignly: each writes roughly now+sliding. Writing only when it moves
        // forward keeps a hot key's cache line from bouncing between cores on every read.
        if (renewed <= EntryLayout.SlidingDeadlineMs(blob))
        {
            return;
        }

        EntryLayout.SetSlidingDeadlineMs(blob, renewed);
        SlidingRenewed?.Invoke(blob);
        long logged = EntryLayout.LoggedDeadlineMs(blob);
        if (Observer is not null && renewed > logged - TouchLeadMs && LeadDeadline(blob, renewed) > logged)
        {
            LogTouch(blob);
        }
    }

    /// <summary>Tells the observer of a renewal, with the deadline running two leads ahead.</summary>
    private void LogTouch(byte[] blob)
    {
        lock (_writeLock)
        {
            long renewed = EntryLayout.SlidingDeadlineMs(blob);
            if (renewed <= EntryLayout.LoggedDeadlineMs(blob) - TouchLeadMs || !_table.Contains(blob))
            {
                return; // another reader logged it first, or the entry was replaced or removed meanwhile
            }

            long lead = LeadDeadline(blob, renewed);
            if (lead <= EntryLayout.LoggedDeadlineMs(blob))
            {
                return; // capped by the absolute expiry: secondaries already know the final deadline
            }

            EntryLayout.SetLoggedDeadlineMs(blob, lead);
            Observer?.OnTouched(blob, lead);
        }
    }

    /// <summary>The deadline secondaries are told for a sliding entry: its own plus two leads, capped by its absolute expiry.</summary>
    private long LeadDeadline(byte[] blob, long deadline)
    {
        long lead = deadline > long.MaxValue - 2 * TouchLeadMs ? long.MaxValue : deadline + 2 * TouchLeadMs;
        long absolute = EntryLayout.AbsoluteExpiryMs(blob);
        return absolute == 0 ? lead : Math.Min(lead, absolute);
    }

    private void RemoveIfExpired(ReadOnlySpan<byte> key, byte[] blob)
    {
        if (!IsAuthoritative)
        {
            return;
        }

        int hash = KeyCodec.Hash(key);
        lock (_writeLock)
        {
            // Re-check under the lock: the entry may have been replaced or renewed since the read saw it.
            byte[]? current = _table.Find(key, hash);
            if (!ReferenceEquals(current, blob) || !EntryLayout.IsExpired(blob, _clock.NowMs()))
            {
                return;
            }

            _table.Remove(key, hash);
            Forget(blob);
            Volatile.Write(ref _expirations, _expirations + 1);
            Observer?.OnRemoved(key, RemovalReason.Expired);
        }
    }

    /// <summary>Books an entry in. Caller holds the write lock.</summary>
    private void Account(byte[] blob)
    {
        _sizeBytes += blob.Length + PerEntryOverhead;
        if (EntryLayout.CanExpire(blob))
        {
            _expiringCount++;
        }

        if (_sizeLimitBytes is not null)
        {
            EntryLayout.SetAccessClock(blob, _accessClock);
        }

        _version++;
    }

    /// <summary>Books an entry out. Caller holds the write lock.</summary>
    private void Forget(byte[] blob)
    {
        _sizeBytes -= blob.Length + PerEntryOverhead;
        if (EntryLayout.CanExpire(blob))
        {
            _expiringCount--;
        }

        _version++;
    }

    /// <summary>Removes a slot found by a scan, through the one removal path. Caller holds the write lock.</summary>
    private bool RemoveScanned(EntryTable.Slot[] slots, int index, byte[] blob, RemovalReason reason)
    {
        if (!_table.RemoveIfSame(slots, index, blob))
        {
            return false;
        }

        Forget(blob);
        if (reason == RemovalReason.Expired)
        {
            Volatile.Write(ref _expirations, _expirations + 1);
        }
        else if (reason == RemovalReason.Evicted)
        {
            Volatile.Write(ref _evictions, _evictions + 1);
        }

        Observer?.OnRemoved(EntryLayout.Key(blob), reason);
        return true;
    }
}
