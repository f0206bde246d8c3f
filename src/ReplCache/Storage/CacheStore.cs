using System.Buffers;
using System.Runtime.CompilerServices;
using ReplCache.Storage.Memory;

namespace ReplCache.Storage;

/// <summary>
/// The local store: a thread-safe map from key to entry with expiry, sliding renewal and a memory bound.
/// </summary>
/// <remarks>
/// <para>
/// Reads never lock. Every mutation — a caller's write, an expiry, an eviction — takes one short write lock,
/// during which the store changes and <see cref="IStoreObserver"/> hears of it, so any log kept by the
/// observer is in exactly the order the store changed (the replication log depends on this).
/// Deadlines are unix milliseconds from the configured <see cref="TimeProvider"/>.
/// </para>
/// <para>
/// This type is the door, not the engine: it holds the <see cref="Limits"/> the doors above it check, encodes string keys, owns the
/// housekeeping timer and the role, and hands each concern to a part built here with exactly what it uses —
/// <see cref="EntryTable"/> (the index), <see cref="StoreLedger"/> (the books), <see cref="StoreRole"/> (lead or
/// follow), <see cref="StoreWriter"/> (the one change path), <see cref="EntryReader"/> (the lock-free read),
/// <see cref="SlidingRenewal"/>, <see cref="LruEviction"/> (only with a size limit), <see cref="ExpirySweep"/>,
/// <see cref="KeyScanner"/> and <see cref="RedisOperations"/>. Only the parts read <see cref="EntryLayout"/>.
/// </para>
/// <para>
/// Entries live in an <see cref="EntryHeap"/>, not one array each: the GC traces a few pages per megabyte instead
/// of an object per entry, so a host's collections do not grow with the cache. A value read from the store is valid
/// while its reader is inside a <see cref="StoreReadScope"/> (<see cref="BeginRead"/>); the methods that hand out
/// spans take one.
/// </para>
/// </remarks>
internal sealed partial class CacheStore : IReplicaStore, IStoreAuthority, IDisposable
{
    /// <summary>How often the housekeeping timer runs: Redis's default <c>hz 10</c>.</summary>
    internal static readonly TimeSpan TimerPeriod = TimeSpan.FromMilliseconds(100);

    private readonly Lock _writeLock = new();
    private readonly EntryHeap _heap = new();
    private readonly EntryTable _table;
    private readonly StoreLedger _ledger = new();
    private readonly StoreRole _role = new();
    private readonly StoreClock _clock;
    private readonly LruEviction? _eviction;
    private readonly SlidingRenewal _renewal;
    private readonly StoreWriter _writer;
    private readonly EntryReader _reader;
    private readonly ExpirySweep _sweep;
    private readonly KeyScanner _scanner;
    private readonly RedisOperations _operations;
    private readonly ITimer _housekeeping;

    /// <summary>
    /// A standalone store: authoritative (it expires and evicts on its own) and unobserved (it reports to nobody)
    /// until <see cref="Lead"/> or <see cref="Follow"/> says otherwise.
    /// </summary>
    public CacheStore(TimeProvider timeProvider, long? sizeLimitBytes)
    {
        _clock = new StoreClock(timeProvider);
        _table = new EntryTable(_heap);
        _eviction = sizeLimitBytes is long limit ? new LruEviction(limit) : null;
        _renewal = new SlidingRenewal(_writeLock, _table, _role);
        _writer = new StoreWriter(_writeLock, _table, _heap, _ledger, _role, _renewal, _eviction, _clock);
        _reader = new EntryReader(_table, _clock, _writer, _renewal, _eviction);
        _sweep = new ExpirySweep(_writeLock, _table, _ledger, _clock, _role, _writer);
        _scanner = new KeyScanner(_writeLock, _table, _heap, _ledger, _clock);
        _operations = new RedisOperations(_writeLock, _table, _heap, _clock, _role, _writer, _reader);
        _housekeeping = timeProvider.CreateTimer(static s => ((CacheStore)s!).OnHousekeeping(), this, TimerPeriod, TimerPeriod);
    }

    /// <summary>The largest key and value stored; checked by <c>Set</c>, <c>SetIf</c> and <c>ApplySet</c>.</summary>
    public EntryLimits Limits { get; init; } = EntryLimits.Default;

    /// <summary>True while the store deletes on its own initiative (standalone or leading); see <see cref="StoreRole"/>.</summary>
    public bool IsAuthoritative => _role.IsAuthoritative;

    /// <inheritdoc cref="SlidingRenewal.LeadMs"/>
    public long TouchLeadMs
    {
        get => _renewal.LeadMs;
        set => _renewal.LeadMs = value;
    }

    /// <summary>Called (without the lock) when a read renews a sliding entry; a secondary forwards these to its primary.</summary>
    public KeyRenewed? SlidingRenewed
    {
        get => _renewal.Renewed;
        set => _renewal.Renewed = value;
    }

    /// <summary>The write lock; the replication apply path holds it across a batch of records and the log append.</summary>
    public Lock WriteLock => _writeLock;

    public StoreClock Clock => _clock;

    /// <summary>Entries physically held, expired-but-not-yet-reclaimed ones included.</summary>
    public int PhysicalCount => _table.Count;

    /// <inheritdoc cref="StoreLedger.SizeBytes"/>
    public long SizeBytes => _ledger.SizeBytes;

    /// <inheritdoc cref="EntryHeap.ReservedBytes"/>
    public long ReservedBytes => _heap.ReservedBytes;

    /// <summary>The store's allocator, for the memory tests.</summary>
    internal EntryHeap Heap => _heap;

    /// <summary>Slots of the live table (8 bytes each), for the memory benches.</summary>
    internal int TableCapacity => _table.Capacity;

    /// <summary>Entries removed because their deadline passed (only an authoritative store removes them).</summary>
    public long Expirations => _ledger.Expirations;

    /// <inheritdoc cref="StoreLedger.Evictions"/>
    public long Evictions => _ledger.Evictions;

    /// <inheritdoc cref="StoreLedger.Version"/>
    public long Version => _ledger.Version;

    /// <summary>A primary's store: authoritative, and every change from here on is reported to <paramref name="observer"/>.</summary>
    public void Lead(IStoreObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        lock (_writeLock)
        {
            // A leader decides its own data: a full sync still loading aside can never complete now.
            DropStagedLoad();
            _role.Lead(observer);
        }
    }

    /// <summary>A secondary's store: not authoritative (expired entries are only hidden), and nothing is reported.</summary>
    public void Follow()
    {
        lock (_writeLock)
        {
            _role.Follow();
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> under the write lock with reporting suspended, then reports again as before;
    /// the role (authoritative or not) is kept. For loading a snapshot: what it holds is the state at the offset
    /// the replication log restarts from, not a change to append to that log — and a secondary's removals of
    /// entries that expired while it was down are its primary's to replicate, not its own.
    /// </summary>
    public T RunUnreported<T>(Func<T> action)
    {
        lock (_writeLock)
        {
            _role.SuspendReporting();
            try
            {
                return action();
            }
            finally
            {
                _role.ResumeReporting();
            }
        }
    }

    /// <summary>Begins a stretch in which values read from the store stay valid; end it (<c>using</c>) before any <c>await</c>.</summary>
    public StoreReadScope BeginRead() => new(_heap);

    /// <summary>Finds the live value for <paramref name="key"/>, renewing a sliding entry when asked.</summary>
    /// <remarks>The value is valid until <paramref name="scope"/> ends: copy it out to keep it.</remarks>
    /// <returns>False on a miss.</returns>
    public bool TryGetValue(in StoreReadScope scope, string key, bool renewSliding, out ReadOnlySpan<byte> value)
    {
        int max = KeyCodec.MaxByteCount(key);
        if (max <= KeyCodec.StackLimit)
        {
            Span<byte> buffer = stackalloc byte[KeyCodec.StackLimit];
            int length = KeyCodec.Encode(key, buffer);
            return TryGetValue(scope, buffer[..length], renewSliding, out value);
        }

        return TryGetValue(scope, KeyCodec.Encode(key), renewSliding, out value);
    }

    /// <inheritdoc cref="TryGetValue(in StoreReadScope, string, bool, out ReadOnlySpan{byte})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGetValue(in StoreReadScope scope, scoped ReadOnlySpan<byte> key, bool renewSliding, out ReadOnlySpan<byte> value)
    {
        Entry blob = _reader.Find(key, renewSliding);
        value = blob.IsNull ? default : EntryLayout.Value(blob);
        return !blob.IsNull;
    }

    /// <summary>Whether a live entry holds <paramref name="key"/> (<c>EXISTS</c>). Does not renew it.</summary>
    public bool ContainsLive(ReadOnlySpan<byte> key)
    {
        using StoreReadScope scope = BeginRead();
        return !_reader.Find(key, renewSliding: false).IsNull;
    }

    /// <summary>A sliding entry's own deadline and the one secondaries were told, for the renewal tests; null when no entry holds the key.</summary>
    internal (long Own, long Logged)? SlidingDeadlinesOf(ReadOnlySpan<byte> key)
    {
        using StoreReadScope scope = BeginRead();
        Entry blob = _table.Find(key, KeyCodec.Hash(key));
        return blob.IsNull ? null : (EntryLayout.SlidingDeadlineMs(blob), EntryLayout.LoggedDeadlineMs(blob));
    }

    /// <summary>Renews the sliding deadline of a live entry; a no-op for missing or non-sliding entries.</summary>
    public void Refresh(string key)
    {
        using StoreReadScope scope = BeginRead();
        TryGetValue(scope, key, renewSliding: true, out _);
    }

    /// <inheritdoc cref="Refresh(string)"/>
    public void Refresh(ReadOnlySpan<byte> key)
    {
        using StoreReadScope scope = BeginRead();
        _reader.Find(key, renewSliding: true);
    }

    /// <summary>Stores an entry, replacing any entry with the same key.</summary>
    /// <remarks>
    /// <see cref="Limits"/> are checked once, by the door the write came through (the cache API's write route, a
    /// forwarded write's applier, the RESP command), before it decides anything; the store trusts that check.
    /// </remarks>
    public void Set(string key, ReadOnlySpan<byte> value, long absoluteExpiryMs, long slidingMs, long nowMs)
    {
        lock (_writeLock)
        {
            _role.ThrowIfFollowing();
            Entry blob = CreateEntry(key, value.Length, absoluteExpiryMs, slidingMs, nowMs);
            value.CopyTo(EntryLayout.ValueForWrite(blob));
            _writer.Insert(blob);
        }
    }

    /// <inheritdoc cref="Set(string, ReadOnlySpan{byte}, long, long, long)"/>
    public void Set(string key, in ReadOnlySequence<byte> value, long absoluteExpiryMs, long slidingMs, long nowMs)
    {
        if (value.Length > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value.Length, "The value is larger than the largest array .NET can allocate.");
        }

        lock (_writeLock)
        {
            _role.ThrowIfFollowing();
            Entry blob = CreateEntry(key, (int)value.Length, absoluteExpiryMs, slidingMs, nowMs);
            value.CopyTo(EntryLayout.ValueForWrite(blob));
            _writer.Insert(blob);
        }
    }

    /// <summary>Removes the entry for <paramref name="key"/>; a missing key is a no-op.</summary>
    /// <returns>True when an entry was removed.</returns>
    /// <exception cref="ReadOnlyReplicaException">The store follows a primary: only what the primary sends changes it.</exception>
    public bool Remove(string key)
    {
        int max = KeyCodec.MaxByteCount(key);
        if (max <= KeyCodec.StackLimit)
        {
            Span<byte> buffer = stackalloc byte[KeyCodec.StackLimit];
            int length = KeyCodec.Encode(key, buffer);
            return RemoveOwn(buffer[..length]);
        }

        return RemoveOwn(KeyCodec.Encode(key));
    }

    /// <summary>A removal that arrived from the primary, or of an authoritative store's own.</summary>
    public bool Remove(ReadOnlySpan<byte> key) => _writer.Remove(key);

    private bool RemoveOwn(ReadOnlySpan<byte> key)
    {
        lock (_writeLock)
        {
            _role.ThrowIfFollowing();
            return _writer.Remove(key);
        }
    }

    /// <summary>Drops every entry (not a staged load's: see <see cref="ApplyClear"/>).</summary>
    public void Clear()
    {
        lock (_writeLock)
        {
            // A staged load's entries share the heap, so its pages cannot be retired whole meanwhile.
            _writer.Clear(wholePages: _staged is null);
        }
    }

    /// <summary>Makes room for about <paramref name="entries"/> entries at once (in the staged load, while one is open).</summary>
    public void Reserve(long entries)
    {
        lock (_writeLock)
        {
            ApplyWriter.Reserve(entries);
        }
    }

    /// <summary>Runs <paramref name="action"/> under the write lock, so that nothing changes the store meanwhile.</summary>
    public T UnderWriteLock<T>(Func<T> action)
    {
        lock (_writeLock)
        {
            return action();
        }
    }

    public void Dispose() => _housekeeping.Dispose();

    /// <summary>A new entry for <paramref name="key"/>, header and key written. Caller holds the write lock until it inserts it.</summary>
    private Entry CreateEntry(string key, int valueLength, long absoluteExpiryMs, long slidingMs, long nowMs)
    {
        int keyLength = KeyCodec.GetByteCount(key);
        long deadline = slidingMs == 0 ? 0 : SlidingRenewal.Deadline(nowMs, slidingMs, absoluteExpiryMs);
        Entry blob = _writer.Allocate(keyLength, valueLength, absoluteExpiryMs, slidingMs, deadline);
        KeyCodec.Encode(key, EntryLayout.KeyForWrite(blob));
        return blob;
    }

    private void OnHousekeeping()
    {
        _eviction?.Tick();
        _sweep.RunFromTimer();
        _writer.Reclaim();
    }
}
