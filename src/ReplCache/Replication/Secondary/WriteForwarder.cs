using System.Diagnostics;
using Microsoft.Extensions.Logging;
using ReplCache.Backlog;
using ReplCache.Diagnostics;
using ReplCache.Protocol;

namespace ReplCache.Replication.Secondary;

/// <summary>
/// A secondary's writes, forwarded to its primary on the link's Sync stream (<see cref="ReplicaWriteMode.ForwardToPrimary"/>).
/// A caller's write waits for a slot in a bounded queue, a sender loop drains the queue into one
/// <see cref="ForwardedWrites"/> message at a time — so writes that pile up while a message is being written go
/// together in the next, one stream and no request per write — and the link's read loop completes each write
/// once the primary has answered and this node has applied the offset the answer names: read-your-writes.
/// </summary>
/// <remarks>
/// <para>Memory is bounded by <see cref="MaxPendingWrites"/>: a caller past it waits for a slot, within its
/// <see cref="ReplicatedCacheOptions.ForwardedWriteTimeout"/> — backpressure, never an unbounded queue.</para>
/// <para>Open only while the link is up. A caller that arrives while it is not fails at once, and when a
/// connection ends every write still waiting fails: those never sent were certainly not applied, those sent may
/// have been (<see cref="WriteForwardingException.MayHaveBeenApplied"/>).</para>
/// </remarks>
internal sealed partial class WriteForwarder
{
    /// <inheritdoc cref="ForwardingLimits.MaxPendingWrites"/>
    internal const int MaxPendingWrites = ForwardingLimits.MaxPendingWrites;

    /// <summary>A batch is cut once it holds this many bytes (one larger write travels alone).</summary>
    internal const int BatchBytes = 64 * 1024;


    private readonly ReplicationLog _log;
    private readonly Uri _primary;
    private readonly TimeSpan _timeout;
    private readonly ILogger _logger;
    private readonly string _nodeId;
    private readonly SemaphoreSlim _slots = new(MaxPendingWrites, MaxPendingWrites);
    private readonly AsyncSignal _queued = new();
    private readonly Lock _gate = new();
    private readonly Queue<PendingWrite> _queue = new();
    private readonly Dictionary<ulong, PendingWrite> _sent = [];
    private readonly List<PendingWrite> _applying = [];
    private ulong _lastRequestId;
    private long _batchesSent;
    private long _writesSent;
    private volatile int _applyingCount;

    /// <summary>Why writes cannot be forwarded now; null while they can.</summary>
    private string? _unavailable;

    /// <summary>
    /// The largest write that can travel: the primary's receive limit per message is sized from the entry limits
    /// (<see cref="ReplicationChannel.MaxMessageBytes"/>), and a bigger message would break the whole link, not just
    /// fail the write. A primary configured with smaller limits than this node refuses the write itself, with its reason.
    /// </summary>
    private readonly int _maxWriteBytes;

    public WriteForwarder(ReplicationLog log, Uri primary, ReplicatedCacheOptions options, string nodeId, ILogger logger)
    {
        _log = log;
        _primary = primary;
        _timeout = options.ForwardedWriteTimeout;
        _maxWriteBytes = ReplicationChannel.MaxMessageBytes(options) - (16 * 1024);
        _logger = logger;
        _nodeId = nodeId;
        _unavailable = $"the link to the primary at {primary} is not up yet (it has not completed its first sync)";
    }

    /// <summary>Writes not finished yet (for tests and diagnostics).</summary>
    public int Pending => MaxPendingWrites - _slots.CurrentCount;

    /// <summary>ForwardedWrites messages sent, and the writes they carried (for tests and diagnostics).</summary>
    public long BatchesSent => Interlocked.Read(ref _batchesSent);

    public long WritesSent => Interlocked.Read(ref _writesSent);

    /// <summary>Forwards a write and waits, without blocking a thread, until this node has applied it.</summary>
    /// <returns>The replication offset that holds the write.</returns>
    public async Task<long> ForwardAsync(ForwardedWrite write, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        int size = Admit(write);
        if (!await _slots.WaitAsync(Remaining(started), cancellationToken).ConfigureAwait(false))
        {
            throw QueueTimedOut();
        }

        PendingWrite pending = Enqueue(write, size);
        try
        {
            return await pending.Completion.Task.WaitAsync(Remaining(started), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException) when (!pending.Completion.Task.IsCompleted)
        {
            pending.Abandoned = true;
            throw TimedOut();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !pending.Completion.Task.IsCompleted)
        {
            pending.Abandoned = true; // if not sent yet, it never will be; if sent, the primary may still apply it
            throw;
        }
    }

    /// <summary>
    /// Forwards a write and blocks the calling thread until this node has applied it, as RedisCache's synchronous
    /// methods do. No task is awaited on the caller's thread, so no SynchronizationContext can deadlock it: the
    /// link's read loop sets the completion, which wakes the blocked caller directly.
    /// </summary>
    public long Forward(ForwardedWrite write)
    {
        long started = Stopwatch.GetTimestamp();
        int size = Admit(write);
        if (!_slots.Wait(Remaining(started)))
        {
            throw QueueTimedOut();
        }

        PendingWrite pending = Enqueue(write, size);
        Task<long> completion = pending.Completion.Task;
        bool finished;
        try
        {
            finished = completion.Wait(Remaining(started));
        }
        catch (AggregateException)
        {
            finished = true; // failed: GetResult below rethrows the write's own exception, not the aggregate
        }

        if (!finished)
        {
            pending.Abandoned = true;
            throw TimedOut();
        }

        return completion.GetAwaiter().GetResult();
    }

    /// <summary>The link is up with a primary that accepts forwarded writes (or, when it does not, says why not).</summary>
    public void Open(bool primaryAccepts)
    {
        lock (_gate)
        {
            _unavailable = primaryAccepts
                ? null
                : $"the primary at {_primary} does not accept forwarded writes (it runs a ReplCache version without forwarding)";
        }

        if (!primaryAccepts)
        {
            Log.PrimaryRefusesForwarding(_logger, _nodeId, _primary);
        }
    }

    /// <summary>
    /// The connection ended (or the link stopped): every write still waiting fails, saying whether it may have been
    /// applied, and new writes fail at once until <see cref="Open"/>.
    /// </summary>
    public void Close(string reason)
    {
        PendingWrite[] queued, sent, applying;
        lock (_gate)
        {
            _unavailable = $"the link to the primary at {_primary} is down ({reason})";
            queued = [.. _queue];
            sent = [.. _sent.Values];
            applying = [.. _applying];
            _queue.Clear();
            _sent.Clear();
            _applying.Clear();
            _applyingCount = 0;
        }

        foreach (PendingWrite write in queued)
        {
            Finish(write, 0, new WriteForwardingException($"Cannot forward the write: the link to the primary at {_primary} went down ({reason}) before the write was sent. The write was not applied.", mayHaveBeenApplied: false));
        }

        foreach (PendingWrite write in sent)
        {
            Finish(write, 0, new WriteForwardingException($"The link to the primary at {_primary} went down ({reason}) while the forwarded write was in flight: it may or may not have been applied.", mayHaveBeenApplied: true));
        }

        foreach (PendingWrite write in applying)
        {
            Finish(write, 0, new WriteForwardingException($"The primary at {_primary} applied the forwarded write at offset {write.Offset}, but the link went down ({reason}) before this node had it: a read here may not see it yet.", mayHaveBeenApplied: true));
        }

        int failed = queued.Length + sent.Length + applying.Length;
        if (failed > 0)
        {
            Log.PendingWritesFailed(_logger, _nodeId, _primary, queued.Length, sent.Length + applying.Length, reason);
        }
    }

    /// <summary>The sender loop of one connection: drains the queue into batches until the connection ends.</summary>
    /// <param name="writer">The connection's way to the primary.</param>
    /// <param name="loop">The link's own thread, on which this loop waits for writes to forward.</param>
    /// <param name="cancellationToken">Ends the loop with the connection.</param>
    public async Task SendAsync(IUpstreamWriter writer, LoopThread loop, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                ForwardedWrites? batch = TakeBatch();
                if (batch is null)
                {
                    // Armed only when the queue looked empty, then re-checked: a write queued in between is not slept through.
                    Task queued = loop.WaitAsync(_queued, Timeout.InfiniteTimeSpan, cancellationToken);
                    batch = TakeBatch();
                    if (batch is null)
                    {
                        await queued.ConfigureAwait(false);
                        continue;
                    }
                }

                using (TracedSpan span = ReplCacheTracing.ForwardBatch(_nodeId, _primary, batch.Writes.Count))
                {
                    await writer.WriteAsync(new SecondaryMessage { ForwardedWrites = batch }, cancellationToken).ConfigureAwait(false);
                    span.Succeed();
                }

                Interlocked.Increment(ref _batchesSent);
                Interlocked.Add(ref _writesSent, batch.Writes.Count);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or Grpc.Core.RpcException or InvalidOperationException or IOException)
        {
            // The read side sees the same failure, reports it and closes the forwarder, failing what was sent.
        }
    }

    /// <summary>Answers from the primary; called on the link's read loop, after the records that preceded them.</summary>
    public void OnResults(ForwardedResults results)
    {
        long applied = _log.EndOffset;
        foreach (ForwardedResult result in results.Results)
        {
            PendingWrite? write;
            lock (_gate)
            {
                if (!_sent.Remove(result.RequestId, out write))
                {
                    continue; // failed already when an earlier connection closed
                }

                if (result.OutcomeCase == ForwardedResult.OutcomeOneofCase.Offset && result.Offset > applied)
                {
                    // The primary sends records before the answers that name them, so this is rare: an answer that
                    // overtook its records. It completes when they are applied (OnApplied).
                    write.Offset = result.Offset;
                    _applying.Add(write);
                    _applyingCount = _applying.Count;
                    continue;
                }
            }

            if (result.OutcomeCase == ForwardedResult.OutcomeOneofCase.Offset)
            {
                Finish(write, result.Offset, null);
            }
            else
            {
                ForwardedError error = result.Error ?? new ForwardedError { Kind = ForwardedErrorKind.Failed, Message = "the primary answered without an outcome", MayHaveBeenApplied = true };
                Finish(write, 0, ForwardedWriteCodec.ToException(error, _primary));
            }
        }
    }

    /// <summary>Records were applied up to <paramref name="offset"/>: completes the writes that were waiting for them.</summary>
    public void OnApplied(long offset)
    {
        if (_applyingCount == 0)
        {
            return;
        }

        List<PendingWrite> done = [];
        lock (_gate)
        {
            _applying.RemoveAll(w =>
            {
                if (w.Offset > offset)
                {
                    return false;
                }

                done.Add(w);
                return true;
            });
            _applyingCount = _applying.Count;
        }

        foreach (PendingWrite write in done)
        {
            Finish(write, write.Offset, null);
        }
    }

    /// <summary>Checks what can be checked before taking a slot: the link is usable, the write can travel.</summary>
    private int Admit(ForwardedWrite write)
    {
        string? unavailable = Volatile.Read(ref _unavailable);
        if (unavailable is not null)
        {
            throw Unavailable(unavailable);
        }

        int size = ForwardedWriteCodec.Size(write);
        if (size > _maxWriteBytes)
        {
            throw new ArgumentOutOfRangeException("value", size, $"A forwarded write carries at most {_maxWriteBytes} bytes (the replication stream's message limit, sized from MaxKeyBytes and MaxValueBytes); write larger values on the primary.");
        }

        return size;
    }

    private PendingWrite Enqueue(ForwardedWrite write, int size)
    {
        var pending = new PendingWrite(write, size);
        lock (_gate)
        {
            if (_unavailable is { } unavailable)
            {
                _slots.Release();
                throw Unavailable(unavailable);
            }

            write.RequestId = ++_lastRequestId;
            _queue.Enqueue(pending);
        }

        _queued.Set();
        return pending;
    }

    /// <summary>Moves up to <see cref="BatchBytes"/> of queued writes to the sent table; null when none are queued.</summary>
    private ForwardedWrites? TakeBatch()
    {
        ForwardedWrites? batch = null;
        List<PendingWrite>? abandoned = null;
        lock (_gate)
        {
            int bytes = 0;
            while (_queue.TryPeek(out PendingWrite? next) && (batch is null || bytes + next.Size <= BatchBytes))
            {
                _queue.Dequeue();
                if (next.Abandoned)
                {
                    (abandoned ??= []).Add(next);
                    continue;
                }

                batch ??= new ForwardedWrites();
                batch.Writes.Add(next.Message);
                bytes += next.Size;
                _sent.Add(next.Message.RequestId, next);
            }
        }

        if (abandoned is not null)
        {
            foreach (PendingWrite write in abandoned)
            {
                Finish(write, 0, new OperationCanceledException("The caller stopped waiting before the write was sent; it was not sent."));
            }
        }

        return batch;
    }

    private void Finish(PendingWrite write, long offset, Exception? error)
    {
        if (write.TryClaim())
        {
            _slots.Release();
            write.Complete(offset, error);
        }
    }

    private TimeSpan Remaining(long started)
    {
        TimeSpan left = _timeout - Stopwatch.GetElapsedTime(started);
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    private static WriteForwardingException Unavailable(string why) => new($"Cannot forward the write: {why}. The write was not applied.", mayHaveBeenApplied: false);

    private TimeoutException QueueTimedOut() => new(
        $"The forwarded write could not be queued within ForwardedWriteTimeout ({_timeout.TotalSeconds:0.###} s): {MaxPendingWrites} writes to the primary at {_primary} are still pending. The write was not applied.");

    private TimeoutException TimedOut() => new(
        $"The forwarded write did not complete within ForwardedWriteTimeout ({_timeout.TotalSeconds:0.###} s): the primary at {_primary} did not answer, or this node did not apply its answer, in time. It may or may not have been applied.");
}
