using System.Buffers;
using ReplCache.Backlog;
using ReplCache.Storage;

namespace ReplCache.Replication.Secondary;

/// <summary>
/// Applies what a primary streams — log records and snapshot chunks — to a secondary's store, and relays the
/// applied records, byte for byte, into the secondary's own log for its sub-replicas; every key it changes is
/// announced to <see cref="AppliedKeys"/>.
/// </summary>
/// <remarks>
/// <para>Batches are slices of the primary's log cut at any byte, so a record may span two batches; the tail of
/// a batch waits in a carry buffer for the rest. Only whole records are applied, and the log offset a secondary
/// reports is always at a record boundary.</para>
/// <para>During a full sync, snapshot chunks and log records arrive interleaved (the primary does not hold the
/// log back until the snapshot is done, so a slow snapshot cannot make the primary buffer without bound —
/// the cause of Redis's full-sync loop, #11534). Records are full states, so the rule is simple: a log record
/// always applies; a snapshot entry applies only if no log record since the sync's start has stated its key,
/// since then the snapshot's copy may be older. A Clear during the sync makes every later snapshot entry stale.</para>
/// <para>A full sync loads aside, as Redis's <c>repl-diskless-load swapdb</c> does: the snapshot and the records
/// that arrive with it go into the store's staged load and into a staged log, while the store keeps serving its old
/// data and the log keeps the old history (replication id and offset) in force. Only at the snapshot's end are both
/// swapped in, under the write lock; a sync that fails before (the link cut, the primary gone, bad data) drops them,
/// and the node can still continue its old history with a partial resync (Redis PR #9398, the cached master kept
/// until the new dataset is loaded). Keys are announced as readers see them change: nothing while loading aside,
/// and one Cleared at the swap. The store holds two datasets meanwhile (see <see cref="IReplicaStore.BeginStagedLoad"/>).</para>
/// </remarks>
internal sealed class StreamApplier(IReplicaStore store, ReplicationLog log, AppliedKeys appliedKeys)
{
    private byte[] _carry = [];
    private int _carryLength;
    private HashSet<byte[]>? _statedDuringSync;
    private Dictionary<byte[], long>? _touchesDuringSync;
    private bool _clearedDuringSync;

    /// <summary>The log of the full sync in progress, which becomes the node's log at the snapshot's end; null outside one.</summary>
    private ReplicationLog? _stagedLog;

    /// <summary>Where the next byte of the stream belongs: the log's end plus the partial record carried.</summary>
    public long ExpectedOffset => CurrentLog.EndOffset + _carryLength;

    public bool InSnapshot => _statedDuringSync is not null;

    /// <summary>The log records are appended to: the staged one during a full sync.</summary>
    private ReplicationLog CurrentLog => _stagedLog ?? log;

    /// <summary>
    /// Starts a full sync from <paramref name="startOffset"/>, loading aside: a staged load in the store and a staged
    /// log from that offset. Readers, the log and the node's history stay as they were until <see cref="EndSnapshot"/>.
    /// </summary>
    public void BeginFullSync(long startOffset)
    {
        lock (store.WriteLock)
        {
            store.BeginStagedLoad();
            _stagedLog = new ReplicationLog(log.BacklogSizeBytes, log.OutputLimitBytes, startOffset);
        }

        _carryLength = 0;
        _statedDuringSync = new HashSet<byte[]>(ByteKeyComparer.Instance);
        _touchesDuringSync = new Dictionary<byte[], long>(ByteKeyComparer.Instance);
        _clearedDuringSync = false;
    }

    /// <summary>
    /// Ends the snapshot phase: the staged data and log become the store's and the log's, at once for readers, and
    /// the store follows the log alone from here on. Under the write lock, which the caller holds to publish the new
    /// history with it (<see cref="ReplicationState.CompleteFullResync"/>).
    /// </summary>
    public void EndSnapshot()
    {
        lock (store.WriteLock)
        {
            store.SwapInStagedLoad();
            log.AdoptHistory(_stagedLog!, "this node completed a full resync with its primary");
            _stagedLog = null;
            appliedKeys.Announce([], AppliedChange.Cleared); // every key may have changed, at this instant
        }

        ForgetSync();
    }

    /// <summary>
    /// A full sync that ends before its snapshot did (the link broke, the primary sent bad data, the link was stopped):
    /// the staged data and log are dropped, and the store, log and history stay what they were before it began.
    /// </summary>
    /// <returns>The staged entries dropped, or -1 when no full sync was in progress.</returns>
    public int AbandonFullSync()
    {
        if (!InSnapshot)
        {
            return -1;
        }

        int dropped;
        lock (store.WriteLock)
        {
            dropped = store.DropStagedLoad();
            _stagedLog = null;
        }

        _carryLength = 0;
        ForgetSync();
        return dropped;
    }

    /// <summary>Forgets a partial record, e.g. when the link dropped in the middle of one.</summary>
    public void DropCarry() => _carryLength = 0;

    /// <summary>Applies a slice of the log that starts at <paramref name="startOffset"/>.</summary>
    /// <exception cref="InvalidDataException">Out-of-order offsets or malformed records; nothing of the bad record is applied.</exception>
    public void ApplyRecords(long startOffset, ReadOnlyMemory<byte> payload)
    {
        if (startOffset != ExpectedOffset)
        {
            throw new InvalidDataException($"The primary sent bytes from offset {startOffset}, but this node expects offset {ExpectedOffset}.");
        }

        ReadOnlyMemory<byte> buffer = payload;
        if (_carryLength > 0)
        {
            EnsureCarry(_carryLength + payload.Length);
            payload.Span.CopyTo(_carry.AsSpan(_carryLength));
            buffer = _carry.AsMemory(0, _carryLength + payload.Length);
        }

        int consumed = 0;
        lock (store.WriteLock)
        {
            try
            {
                while (LogRecord.TryRead(buffer.Span[consumed..], out LogRecord record, out int length))
                {
                    Apply(record);
                    consumed += length;
                }
            }
            finally
            {
                if (consumed > 0)
                {
                    CurrentLog.AppendRaw(buffer.Span[..consumed]);
                    CurrentLog.Commit();
                }
            }
        }

        ReadOnlySpan<byte> rest = buffer.Span[consumed..];
        if (rest.Length > store.Limits.MaxRecordBytes)
        {
            throw new InvalidDataException($"The primary sent a record longer than {store.Limits.MaxRecordBytes} bytes.");
        }

        EnsureCarry(rest.Length);
        rest.CopyTo(_carry); // may overlap when buffer is the carry itself; CopyTo is a memmove
        _carryLength = rest.Length;
    }

    /// <summary>Applies a chunk of snapshot entries (whole Set records).</summary>
    public void ApplySnapshot(ReadOnlyMemory<byte> payload)
    {
        if (!InSnapshot)
        {
            throw new InvalidDataException("The primary sent a snapshot chunk outside a full sync.");
        }

        int consumed = 0;
        lock (store.WriteLock)
        {
            while (consumed < payload.Length)
            {
                if (!LogRecord.TryRead(payload.Span[consumed..], out LogRecord record, out int length))
                {
                    throw new InvalidDataException("A snapshot chunk ends inside a record.");
                }

                if (record.Kind != LogRecordKind.Set)
                {
                    throw new InvalidDataException($"A snapshot chunk holds a {record.Kind} record; only Set records belong there.");
                }

                consumed += length;
                if (_clearedDuringSync || (_statedDuringSync!.Count > 0 && _statedDuringSync.GetAlternateLookup<ReadOnlySpan<byte>>().Contains(record.Key)))
                {
                    continue; // the log has stated this key since the sync began; the snapshot's copy may be older
                }

                store.ApplySet(record.Key, record.Value, record.AbsoluteExpiryMs, record.SlidingMs, record.SlidingDeadlineMs);
                if (_touchesDuringSync!.Count > 0 && _touchesDuringSync.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(record.Key, out long deadline))
                {
                    store.ApplyTouch(record.Key, deadline);
                }
            }
        }
    }

    private void Apply(LogRecord record)
    {
        switch (record.Kind)
        {
            case LogRecordKind.Set:
                store.ApplySet(record.Key, record.Value, record.AbsoluteExpiryMs, record.SlidingMs, record.SlidingDeadlineMs);
                Announce(record.Key, AppliedChange.Set);
                _statedDuringSync?.GetAlternateLookup<ReadOnlySpan<byte>>().Add(record.Key);
                break;
            case LogRecordKind.Remove:
                store.ApplyRemove(record.Key);
                Announce(record.Key, AppliedChange.Removed);
                _statedDuringSync?.GetAlternateLookup<ReadOnlySpan<byte>>().Add(record.Key);
                break;
            case LogRecordKind.Touch:
                // A touch is not a full state: for a key the snapshot has yet to deliver, remember it instead.
                if (!store.ApplyTouch(record.Key, record.SlidingDeadlineMs) && _touchesDuringSync is not null)
                {
                    var pending = _touchesDuringSync.GetAlternateLookup<ReadOnlySpan<byte>>();
                    pending[record.Key] = pending.TryGetValue(record.Key, out long known) ? Math.Max(known, record.SlidingDeadlineMs) : record.SlidingDeadlineMs;
                }

                break;
            case LogRecordKind.Clear:
                store.ApplyClear();
                Announce([], AppliedChange.Cleared);
                _clearedDuringSync = InSnapshot;
                break;
        }
    }

    private void ForgetSync()
    {
        _statedDuringSync = null;
        _touchesDuringSync = null;
        _clearedDuringSync = false;
    }

    /// <summary>Tells observers of a key readers now see changed; while loading aside, readers see no change yet.</summary>
    private void Announce(ReadOnlySpan<byte> key, AppliedChange change)
    {
        if (_stagedLog is null)
        {
            appliedKeys.Announce(key, change);
        }
    }

    private void EnsureCarry(int length)
    {
        if (_carry.Length < length)
        {
            byte[] larger = new byte[Math.Max(length, Math.Max(4096, _carry.Length * 2))];
            _carry.AsSpan(0, _carryLength).CopyTo(larger);
            _carry = larger;
        }
    }
}
