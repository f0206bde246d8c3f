using System.Buffers;

namespace ReplCache.Backlog;

/// <summary>
/// The replication log: every change of the store, encoded once, at 64-bit byte offsets (as Redis's
/// <c>master_repl_offset</c>). One chain of 1 MiB segments serves as both the backlog for partial resyncs
/// and the pending output of every connected secondary — as in Redis 7, no per-secondary copy.
/// </summary>
/// <remarks>
/// <para>Offsets are positions in the stream of the current history: the first byte ever written is at 0 and
/// <see cref="EndOffset"/> counts the bytes written, so a secondary that has applied <c>n</c> bytes asks to
/// continue from <c>n</c> (Redis's PSYNC sends <c>n+1</c>, counting from 1; the meaning is the same).</para>
/// <para>One writer at a time appends (the store's write lock serialises it) through <see cref="IBufferWriter{T}"/>
/// and publishes with <see cref="Commit"/>; readers only read below the published end, so they never see half
/// a record's bytes being written. Segments are released when they fall out of the backlog and out of reach of
/// every open cursor; a cursor that falls more than the output limit behind is detached instead of pinning
/// memory without bound, and its secondary has to resync.</para>
/// <para>The backlog is kept only while it can serve someone (<see cref="RetainsHistory"/>; when, is
/// <see cref="Replication.BacklogRetention"/>'s to decide), as Redis creates its backlog when the first replica
/// syncs and frees it after <c>repl-backlog-ttl</c>: without it the log holds only the segment being written and
/// what open cursors have yet to read. Offsets advance all the same, so a secondary at the very end still
/// continues.</para>
/// </remarks>
internal sealed class ReplicationLog : IBufferWriter<byte>
{
    internal const int SegmentSize = 1 << 20;
    private const int SpareSegments = 4;

    private readonly object _gate = new();
    private readonly List<byte[]> _segments = [];
    private readonly Stack<byte[]> _spare = new();
    private readonly List<LogCursor> _cursors = [];
    private readonly AsyncSignal _appended = new();
    private byte[] _scratch = new byte[512];
    private bool _spanIsScratch;
    private long _base;
    private long _end;
    private long _writePosition;
    private bool _retainsHistory;

    /// <param name="backlogSizeBytes">Bytes of history kept for partial resyncs, while a backlog is kept.</param>
    /// <param name="outputLimitBytes">How far a cursor may fall behind; raised to the backlog's size.</param>
    /// <param name="startOffset">The offset of the first byte this log will hold.</param>
    /// <param name="retainHistory">Whether the backlog is kept from the start: a staged log (a secondary's full
    /// sync) keeps it; a node's own log starts without one, as a primary with no secondary yet.</param>
    public ReplicationLog(long backlogSizeBytes, long outputLimitBytes, long startOffset = 0, bool retainHistory = true)
    {
        _retainsHistory = retainHistory;
        BacklogSizeBytes = backlogSizeBytes;
        // As Redis's checkClientOutputBufferLimits: a limit below the backlog is raised to it. A secondary that
        // resyncs partially may start as far behind as the backlog reaches; held to a smaller limit it would be
        // dropped right after its resync, again and again (replication-buffer.tcl). It costs no memory: the bytes
        // such a cursor pins are the backlog's, kept anyway.
        OutputLimitBytes = Math.Max(outputLimitBytes, backlogSizeBytes);
        _base = _end = _writePosition = startOffset;
    }

    public long BacklogSizeBytes { get; }

    /// <summary>How far a cursor may fall behind the writer before it is detached: the output limit, at least the backlog.</summary>
    public long OutputLimitBytes { get; }

    /// <summary>Bytes written in this history, published to readers (<c>master_repl_offset</c>).</summary>
    public long EndOffset => Volatile.Read(ref _end);

    /// <summary>
    /// The oldest offset a partial resync may continue from (<c>repl_backlog_first_byte_offset</c>, counted from 0):
    /// the end itself while no backlog is kept.
    /// </summary>
    public long BacklogStart
    {
        get
        {
            lock (_gate)
            {
                return HistoryStart();
            }
        }
    }

    /// <summary>Whether the log keeps up to <see cref="BacklogSizeBytes"/> of history for partial resyncs (<c>repl_backlog_active</c>).</summary>
    public bool RetainsHistory
    {
        get
        {
            lock (_gate)
            {
                return _retainsHistory;
            }
        }
    }

    /// <summary>Bytes of history a partial resync can use (<c>repl_backlog_histlen</c>).</summary>
    public long BacklogLength => EndOffset - BacklogStart;

    /// <summary>Memory held by segments, for diagnostics and the memory-bound tests.</summary>
    public long RetainedBytes
    {
        get
        {
            lock (_gate)
            {
                return (long)(_segments.Count + _spare.Count) * SegmentSize;
            }
        }
    }

    /// <summary>Completes at the next <see cref="Commit"/>; re-check <see cref="EndOffset"/> before awaiting it.</summary>
    public Task WaitForAppendAsync() => _appended.WaitAsync();

    /// <summary>The signal behind <see cref="WaitForAppendAsync"/>, for a loop that waits on a thread of its own.</summary>
    public AsyncSignal Appended => _appended;

    /// <summary>
    /// Wakes every reader waiting in <see cref="WaitForAppendAsync"/> without appending: for news a sender must act on
    /// that is not in the log (a forwarded write's answer), so senders wait on one signal, not on two.
    /// </summary>
    public void WakeReaders() => _appended.Set();

    /// <summary>Publishes everything written since the last commit and wakes readers. Writer only.</summary>
    public void Commit()
    {
        Volatile.Write(ref _end, _writePosition);
        _appended.Set();
    }

    /// <summary>Appends bytes that are already encoded records (a secondary relaying its primary's stream). Writer only.</summary>
    public void AppendRaw(ReadOnlySpan<byte> records)
    {
        CopyIn(records);
    }

    /// <inheritdoc />
    public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    /// <inheritdoc />
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        sizeHint = Math.Max(sizeHint, 1);
        (byte[] segment, int offset) = Tail();
        if (SegmentSize - offset >= sizeHint)
        {
            _spanIsScratch = false;
            return segment.AsMemory(offset);
        }

        // The request straddles two segments: hand out a scratch buffer and copy it in on Advance.
        if (_scratch.Length < sizeHint)
        {
            _scratch = new byte[Math.Max(sizeHint, _scratch.Length * 2)];
        }

        _spanIsScratch = true;
        return _scratch;
    }

    /// <inheritdoc />
    public void Advance(int count)
    {
        if (_spanIsScratch)
        {
            _spanIsScratch = false;
            CopyIn(_scratch.AsSpan(0, count));
        }
        else
        {
            _writePosition += count;
        }
    }

    /// <summary>
    /// Opens a cursor at <paramref name="offset"/> if the backlog still covers it (a partial resync), or null.
    /// </summary>
    public LogCursor? TryOpenCursor(long offset)
    {
        lock (_gate)
        {
            if (offset < HistoryStart() || offset > _end)
            {
                return null;
            }

            var cursor = new LogCursor(this, offset);
            _cursors.Add(cursor);
            return cursor;
        }
    }

    /// <summary>
    /// Opens a cursor at the end of the log. Call it under the store's write lock, so that the cursor's
    /// position is exactly the offset the store's current content corresponds to (a full sync's start).
    /// </summary>
    public LogCursor OpenCursorAtEnd()
    {
        lock (_gate)
        {
            var cursor = new LogCursor(this, _end);
            _cursors.Add(cursor);
            return cursor;
        }
    }

    /// <summary>
    /// Keeps up to <see cref="BacklogSizeBytes"/> of history from here on (Redis's <c>createReplicationBacklog</c>).
    /// What the log still holds from before counts: those bytes are the stream's as much as the ones to come.
    /// </summary>
    public void RetainHistory()
    {
        lock (_gate)
        {
            _retainsHistory = true;
        }
    }

    /// <summary>
    /// Stops keeping a backlog (Redis's <c>freeReplicationBacklog</c>): lets go at once of every segment no open
    /// cursor needs but the one being written, and of the spare ones. Writer only: the caller holds the store's
    /// write lock, so no append is under way while segments are dropped from under the writer's position.
    /// </summary>
    public void ReleaseHistory()
    {
        lock (_gate)
        {
            _retainsHistory = false;
            Trim();
            _spare.Clear();
        }
    }

    /// <summary>
    /// Starts a new history at <paramref name="startOffset"/>: drops every byte and detaches every cursor (their
    /// secondaries must resync). A secondary does this when its primary answers with a full resync. Writer only.
    /// </summary>
    public void Reset(long startOffset, string reason)
    {
        lock (_gate)
        {
            DropHistory(reason);
            _base = startOffset;
            _writePosition = startOffset;
            Volatile.Write(ref _end, startOffset);
        }

        _appended.Set();
    }

    /// <summary>Detaches every cursor and recycles every segment: the start of a new history. Caller holds the gate.</summary>
    private void DropHistory(string reason)
    {
        DetachAll(reason);
        foreach (byte[] segment in _segments)
        {
            Recycle(segment);
        }

        _segments.Clear();
    }

    /// <summary>
    /// Replaces this log's history with the one <paramref name="staged"/> holds — a secondary's full sync, whose
    /// records were logged aside while this log kept the old history in force — and detaches every cursor (their
    /// secondaries must resync). Writer only, with <paramref name="staged"/>'s writer, which must not use it again.
    /// </summary>
    /// <remarks>
    /// The staged log's segments are taken over, not copied: it has kept only its backlog's worth (it has no cursors),
    /// so what a partial resync from this node can use afterwards is what it would have been had the records been
    /// logged here.
    /// </remarks>
    public void AdoptHistory(ReplicationLog staged, string reason)
    {
        lock (_gate)
        {
            DropHistory(reason);
            lock (staged._gate)
            {
                _segments.AddRange(staged._segments);
                staged._segments.Clear();
                _base = staged._base;
                _writePosition = staged._end; // the staged log's committed end: a partial record is never logged
                Volatile.Write(ref _end, staged._end);
            }
        }

        _appended.Set();
    }

    /// <summary>Detaches every open cursor, e.g. when the node changes role and its secondaries must reconnect.</summary>
    public void DetachAll(string reason)
    {
        lock (_gate)
        {
            foreach (LogCursor cursor in _cursors)
            {
                cursor.Detach(reason);
            }

            _cursors.Clear();
        }
    }

    internal int Read(LogCursor cursor, long offset, Span<byte> destination)
    {
        lock (_gate)
        {
            if (!_cursors.Contains(cursor))
            {
                throw new InvalidOperationException("The log cursor was detached: " + (cursor.DetachReason ?? "closed"));
            }

            long end = _end;
            int total = 0;
            while (total < destination.Length && offset < end)
            {
                long relative = offset - _base;
                int index = (int)(relative / SegmentSize);
                int within = (int)(relative % SegmentSize);
                int count = (int)Math.Min(Math.Min(SegmentSize - within, end - offset), destination.Length - total);
                _segments[index].AsSpan(within, count).CopyTo(destination[total..]);
                total += count;
                offset += count;
            }

            return total;
        }
    }

    internal void Close(LogCursor cursor)
    {
        lock (_gate)
        {
            _cursors.Remove(cursor);
        }
    }

    private void CopyIn(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            (byte[] segment, int offset) = Tail();
            int count = Math.Min(bytes.Length, SegmentSize - offset);
            bytes[..count].CopyTo(segment.AsSpan(offset));
            bytes = bytes[count..];
            _writePosition += count;
        }
    }

    /// <summary>The segment and position the next byte goes to, adding a segment when the last one is full.</summary>
    private (byte[] Segment, int Offset) Tail()
    {
        long relative = _writePosition - _base;
        int index = (int)(relative / SegmentSize);
        if (index < _segments.Count)
        {
            return (_segments[index], (int)(relative % SegmentSize));
        }

        lock (_gate)
        {
            // Trimmed first: the segment just filled may be needed by no one (no backlog, no cursor behind), and then
            // it comes straight back as the next one — a log without a backlog holds one segment, not two.
            Trim();
            _segments.Add(_spare.Count > 0 ? _spare.Pop() : GC.AllocateUninitializedArray<byte>(SegmentSize));
            relative = _writePosition - _base;
            return (_segments[(int)(relative / SegmentSize)], (int)(relative % SegmentSize));
        }
    }

    /// <summary>Where the history a partial resync may use starts. Caller holds <see cref="_gate"/>.</summary>
    private long HistoryStart() => _retainsHistory ? Math.Max(_base, _end - BacklogSizeBytes) : _end;

    /// <summary>
    /// Releases segments nobody needs: older than the backlog (all of them, without one) and behind every cursor.
    /// Detaches cursors that are more than the output limit behind first, so one stalled secondary cannot hold
    /// memory without bound. Only whole segments below the write position go: the one being written always stays.
    /// Caller holds <see cref="_gate"/> and is the writer.
    /// </summary>
    private void Trim()
    {
        long keepFrom = _retainsHistory ? _writePosition - BacklogSizeBytes : _writePosition;
        for (int i = _cursors.Count - 1; i >= 0; i--)
        {
            LogCursor cursor = _cursors[i];
            long behind = _writePosition - cursor.Position;
            if (behind > OutputLimitBytes)
            {
                cursor.Detach($"the secondary fell {behind} bytes behind, more than the output limit of {OutputLimitBytes} bytes");
                _cursors.RemoveAt(i);
                continue;
            }

            keepFrom = Math.Min(keepFrom, cursor.Position);
        }

        while (_segments.Count > 0 && _base + SegmentSize <= keepFrom)
        {
            Recycle(_segments[0]);
            _segments.RemoveAt(0);
            _base += SegmentSize;
        }
    }

    private void Recycle(byte[] segment)
    {
        // Without a backlog one spare is all the writer reuses (the segment it just filled, see Tail).
        if (_spare.Count < (_retainsHistory ? SpareSegments : 1))
        {
            _spare.Push(segment);
        }
    }
}
