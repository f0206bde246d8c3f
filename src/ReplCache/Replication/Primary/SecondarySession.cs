using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using ReplCache.Backlog;
using ReplCache.Diagnostics;
using ReplCache.Protocol;
using ReplCache.Storage;

namespace ReplCache.Replication.Primary;

/// <summary>
/// One connected secondary, served by this node: the PSYNC handshake, then one sender loop (snapshot and log
/// on a full sync, log and heartbeats after) and one reader of acknowledgements and touches. A slow secondary
/// only ever slows its own loop: writers append to the shared log and never wait for any sender.
/// </summary>
internal sealed partial class SecondarySession(
    ReplicationState state,
    CacheStore store,
    ReplicationLog log,
    ReplicaRegistry replicas,
    IUpstreamLink upstream,
    ForwardedWriteApplier forwardedWrites,
    ReplicatedCacheOptions options,
    ILogger logger,
    CancellationToken stopping,
    IAsyncStreamReader<SecondaryMessage> requests,
    IServerStreamWriter<PrimaryMessage> responses,
    ServerCallContext context)
{
    /// <summary>Bytes of log per Records message: big enough to amortise framing, small enough to stay off the LOH.</summary>
    internal const int BatchBytes = 64 * 1024;

    private readonly ILogger _logger = logger;
    private readonly ReplicatedCacheOptions _options = options;
    private readonly byte[] _batch = new byte[BatchBytes];
    private readonly ForwardedWriteAnswers _answers = new(log.WakeReaders);

    /// <summary>
    /// This session's own thread: the sender waits here for the log to grow or a heartbeat to come due, and the
    /// watchdog for its next check, so a host that blocks its thread pool stalls neither. Over a node's own listener
    /// the sender's writes complete on it too (see Hosting/Transport): the stream never waits for a pool thread.
    /// </summary>
    private LoopThread _loop = null!;

    /// <summary>The stream position this sender last asked its secondary to acknowledge at (-1: never).</summary>
    private long _acknowledgementAskedAt = -1;

    /// <summary>The last forwarded write that had to wait (FAILOVER's pause); later ones wait behind it, in order.</summary>
    private Task<long> _behindPause = Task.FromResult(0L);

    public async Task RunAsync()
    {
        Hello hello = await ReadHelloAsync().ConfigureAwait(false);
        if (hello.Failover && await upstream.TakeOverAsync(hello.NodeId, hello.ReplicationId, context.CancellationToken).ConfigureAwait(false) is { } refusal)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "Failover target rejected the handover: " + refusal));
        }

        RefuseIfUnfit(hello);

        Uri? announced = Uri.TryCreate(hello.AnnounceAddress, UriKind.Absolute, out Uri? a) ? a : null;
        using LoopThread loop = _loop = new LoopThread($"ReplCache sender to {hello.NodeId}");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, stopping);
        var replica = new ConnectedReplica(hello.NodeId, announced, hello.RespPort, context.Peer, stop);
        (LogCursor cursor, bool full, string replicationId, long sharedOffset) = Decide(hello);
        using (cursor)
        using (CancellationTokenRegistration detached = cursor.Detached.Register(static s => ((CancellationTokenSource)s!).Cancel(), stop))
        {
            replicas.Add(replica);
            string reason = "the secondary closed the stream";
            Task reader = ReadAcknowledgementsAsync(replica, stop.Token);
            Task watchdog = WatchAsync(replica, stop);
            try
            {
                await StreamAsync(replica, cursor, full, replicationId, sharedOffset, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                reason = cursor.DetachReason ?? (stopping.IsCancellationRequested ? "this node is shutting down" : replica.StopReason ?? "the secondary disconnected");
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or RpcException)
            {
                reason = ex.Message;
            }
            finally
            {
                await stop.CancelAsync().ConfigureAwait(false);
                replicas.Remove(replica);
                await Task.WhenAll(reader, watchdog).ConfigureAwait(false);
                Log.Disconnected(_logger, state, log, stopping, replica, cursor, replicationId, reason);
            }
        }
    }

    /// <summary>
    /// Applies a forwarded write now, or — while writes are paused, or earlier ones still wait — after the writes
    /// before it, so one secondary's writes land in the order it sent them. The reader never waits: it must keep
    /// reading acknowledgements, which a failover to this very secondary waits for.
    /// </summary>
    private ValueTask<long> ApplyInOrder(ForwardedWrite write)
    {
        if (_behindPause.IsCompleted && !forwardedWrites.WritesPaused)
        {
            return forwardedWrites.ApplyAsync(write);
        }

        _behindPause = AfterAsync(_behindPause, write);
        return new ValueTask<long>(_behindPause);

        async Task<long> AfterAsync(Task<long> previous, ForwardedWrite next)
        {
            await ((Task)previous).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return await forwardedWrites.ApplyAsync(next).ConfigureAwait(false);
        }
    }

    private async Task<Hello> ReadHelloAsync()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        timeout.CancelAfter(_options.ReplicationTimeout);
        if (!await requests.MoveNext(timeout.Token).ConfigureAwait(false) || requests.Current.KindCase != SecondaryMessage.KindOneofCase.Hello)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "A Sync call must start with Hello."));
        }

        return requests.Current.Hello;
    }

    private void RefuseIfUnfit(Hello hello)
    {
        if (string.IsNullOrEmpty(hello.NodeId) || hello.NodeId.Length > 64)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "Hello.node_id must be 1 to 64 characters."));
        }

        if (hello.NodeId == state.NodeId || state.Upstream.Contains(hello.NodeId))
        {
            Log.LoopRefused(_logger, state.NodeId, state.Role, state.History.Id, log.EndOffset, hello.NodeId);
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"Replication loop: {hello.NodeId} is this node or replicates to it ({string.Join(" <- ", state.Upstream.Prepend(state.NodeId))})."));
        }

        if (state.Role == ReplicationRole.Secondary && upstream.Status != PrimaryLinkStatus.Up)
        {
            // As Redis: a replica that is not in sync with its own primary cannot serve a sync.
            throw new RpcException(new Status(StatusCode.Unavailable, "This node is a secondary that is not in sync with its primary yet."));
        }
    }

    /// <summary>PSYNC: continue from the backlog when the history and offset allow it, else a full resync.</summary>
    /// <returns>The cursor to stream from; whether it is a full sync; this node's replication id; and, for a full sync,
    /// how much of the history the secondary asked to continue this node shares (it discards the rest).</returns>
    private (LogCursor Cursor, bool Full, string ReplicationId, long SharedOffset) Decide(Hello hello)
    {
        bool askedForPartial = hello.NextOffset >= 0;
        lock (store.WriteLock)
        {
            ReplicationHistory history = state.History;
            if (askedForPartial && history.Continues(hello.ReplicationId, hello.NextOffset) && log.TryOpenCursor(hello.NextOffset) is { } cursor)
            {
                replicas.CountSync(full: false, askedForPartial);
                Log.PartialSyncAccepted(_logger, state.NodeId, state.Role, history.Id, log.EndOffset, hello.NodeId, hello.ReplicationId, hello.NextOffset, log.EndOffset - hello.NextOffset);
                return (cursor, false, history.Id, hello.NextOffset);
            }

            // The cursor opens under the write lock, so its offset is exactly the store content the snapshot walks.
            LogCursor start = log.OpenCursorAtEnd();
            replicas.CountSync(full: true, askedForPartial);
            Log.FullSyncStarted(_logger, state.NodeId, state.Role, history.Id, start.Position, hello.NodeId, hello.ReplicationId, hello.NextOffset, store.PhysicalCount, store.SizeBytes);
            long shared = askedForPartial ? Math.Min(history.SharedPrefix(hello.ReplicationId, hello.NextOffset), start.Position) : 0;
            return (start, true, history.Id, shared);
        }
    }

    private async Task StreamAsync(ConnectedReplica replica, LogCursor cursor, bool full, string replicationId, long sharedOffset, CancellationToken cancellationToken)
    {
        var first = full
            ? new PrimaryMessage { FullResync = new FullResync { ReplicationId = replicationId, Offset = cursor.Position, EntryCountEstimate = store.PhysicalCount, PrimaryUptimeMs = (long)state.Uptime.TotalMilliseconds, AcceptsForwardedWrites = true, SharedOffset = sharedOffset } }
            : new PrimaryMessage { Continue = new Continue { ReplicationId = replicationId, Offset = cursor.Position, AcceptsForwardedWrites = true } };
        using TracedSpan sync = ReplCacheTracing.SyncServed(full, state.NodeId, replica.NodeId, Protocol.PeerRefusals.PeerAddress(context.Peer), replicationId, cursor.Position);
        await responses.WriteAsync(first, cancellationToken).ConfigureAwait(false);
        string[] upstreamSent = await SendTopologyAsync(null, cancellationToken).ConfigureAwait(false);

        if (full)
        {
            replica.State = ReplicaSyncState.SendingSnapshot;
            long entries = await SendSnapshotAsync(replica, cursor, cancellationToken).ConfigureAwait(false);
            await responses.WriteAsync(new PrimaryMessage { SnapshotEnd = new SnapshotEnd { EntryCount = entries } }, cancellationToken).ConfigureAwait(false);
            Log.FullSyncSent(_logger, state.NodeId, state.Role, replicationId, cursor.Position, replica.NodeId, entries, replica.BytesSent, replica.MessagesSent);
            sync.Complete();
        }

        replica.State = ReplicaSyncState.Online;
        bool catchingUp = !full;
        using LoopWait logWait = _loop.CreateWait(cancellationToken);

        // A wait armed and then not awaited (the log grew meanwhile) stays armed for the next round: a LoopWait is
        // awaited before it waits again. Its deadline is then earlier than a fresh one's, which at worst sends a
        // heartbeat early.
        ValueTask<bool>? armed = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            bool sentLog = await SendLogBatchAsync(replica, cursor, cancellationToken).ConfigureAwait(false) > 0;

            // Answers to forwarded writes go after the records they name (an answer naming an offset past the cursor
            // waits), so a forwarding secondary has applied its write by the time it reads the answer. Checked after
            // every log batch, not only once the log is drained, so a busy primary does not starve the answers.
            if (_answers.Take(cursor.Position) is { } answers)
            {
                await responses.WriteAsync(new PrimaryMessage { ForwardedResults = answers }, cancellationToken).ConfigureAwait(false);
                continue;
            }

            // Asked for right after the stream reaches the wanted offset, even while more log follows: the secondary
            // answers after applying what came before, so a WAIT is answered as soon as its writes are applied.
            if (AcknowledgementRequestDue(cursor))
            {
                _acknowledgementAskedAt = cursor.Position;
                await responses.WriteAsync(new PrimaryMessage { Heartbeat = new Heartbeat { Offset = cursor.Position, Reply = true } }, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (sentLog)
            {
                continue;
            }

            if (catchingUp)
            {
                // The backlog the secondary asked for is sent: a partial resync's end (a full one's is the snapshot's).
                catchingUp = false;
                Log.PartialSyncSent(_logger, state.NodeId, state.Role, replicationId, cursor.Position, replica.NodeId, replica.BytesSent, replica.MessagesSent);
                sync.Complete();
            }

            upstreamSent = await SendTopologyAsync(upstreamSent, cancellationToken).ConfigureAwait(false);

            // Answers to forwarded writes wake this same signal (see ForwardedWriteAnswers), so one wait covers both.
            // Checked before arming (a busy log arms no wait) and again after (nothing appended in between is slept through).
            if (cursor.Position < log.EndOffset || _answers.HasReady || AcknowledgementRequestDue(cursor))
            {
                continue;
            }

            armed ??= logWait.WaitAsync(log.Appended, _options.HeartbeatInterval);
            if (cursor.Position < log.EndOffset || _answers.HasReady || AcknowledgementRequestDue(cursor))
            {
                continue;
            }

            bool appended = await armed.Value.ConfigureAwait(false);
            armed = null;
            if (!appended)
            {
                await responses.WriteAsync(new PrimaryMessage { Heartbeat = new Heartbeat { Offset = cursor.Position } }, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Whether something waits for an acknowledgement of a position this stream has reached and not yet asked about.</summary>
    private bool AcknowledgementRequestDue(LogCursor cursor)
    {
        long wanted = replicas.AcknowledgementsWanted;
        return wanted > _acknowledgementAskedAt && cursor.Position >= wanted;
    }

    /// <summary>Streams the store, and after each chunk about as many bytes of the log written meanwhile.</summary>
    private async Task<long> SendSnapshotAsync(ConnectedReplica replica, LogCursor cursor, CancellationToken cancellationToken)
    {
        var snapshot = new SnapshotEncoder(store);
        while (true)
        {
            ReadOnlyMemory<byte> chunk = snapshot.NextChunk();
            if (chunk.IsEmpty)
            {
                return snapshot.EntriesWritten;
            }

            var message = new PrimaryMessage { SnapshotChunk = new SnapshotChunk { Payload = UnsafeByteOperations.UnsafeWrap(chunk) } };
            await responses.WriteAsync(message, cancellationToken).ConfigureAwait(false);
            replica.Sent(chunk.Length);

            // The snapshot and the log share the stream byte for byte: a light log is sent as it comes, and a heavy
            // one takes half the stream, never all of it. Sending up to 4 MB of log per 48 KB chunk (as before)
            // starved the snapshot under a writer as fast as the stream: one full sync of 1M keys ran for as long as
            // the writer did (90 s locally, past 180 s on CI). Now it ends within about twice its undisturbed time;
            // a log that outgrows the output limit meanwhile drops the secondary, which resyncs.
            long logBytes = 0;
            int sent;
            while (logBytes < chunk.Length && (sent = await SendLogBatchAsync(replica, cursor, cancellationToken).ConfigureAwait(false)) > 0)
            {
                logBytes += sent;
            }
        }
    }

    /// <returns>The bytes of log sent: 0 when the cursor was already at the end of the log.</returns>
    private async Task<int> SendLogBatchAsync(ConnectedReplica replica, LogCursor cursor, CancellationToken cancellationToken)
    {
        long start = cursor.Position;
        int read = cursor.Read(_batch);
        if (read == 0)
        {
            return 0;
        }

        // The batch buffer is reused only after WriteAsync has serialised the message, so wrapping it is safe.
        var message = new PrimaryMessage { Records = new Records { StartOffset = start, Payload = UnsafeByteOperations.UnsafeWrap(_batch.AsMemory(0, read)) } };
        await responses.WriteAsync(message, cancellationToken).ConfigureAwait(false);
        replica.Sent(read);
        return read;
    }

    private async Task<string[]> SendTopologyAsync(string[]? sent, CancellationToken cancellationToken)
    {
        string[] upstream = state.Upstream;
        if (sent is not null && ReferenceEquals(sent, upstream))
        {
            return sent;
        }

        var topology = new Topology();
        topology.UpstreamNodeIds.Add(state.NodeId);
        topology.UpstreamNodeIds.AddRange(upstream);
        await responses.WriteAsync(new PrimaryMessage { Topology = topology }, cancellationToken).ConfigureAwait(false);
        return upstream;
    }

    private async Task ReadAcknowledgementsAsync(ConnectedReplica replica, CancellationToken cancellationToken)
    {
        try
        {
            while (await requests.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                SecondaryMessage message = requests.Current;
                switch (message.KindCase)
                {
                    case SecondaryMessage.KindOneofCase.Ack when CheckAck(replica, message.Ack.Offset) is { } badAck:
                        replica.StopReason = badAck;
                        await replica.Stop.CancelAsync().ConfigureAwait(false);
                        return;
                    case SecondaryMessage.KindOneofCase.Touches when CheckTouches(message.Touches) is { } badTouches:
                        replica.StopReason = badTouches;
                        await replica.Stop.CancelAsync().ConfigureAwait(false);
                        return;
                    case SecondaryMessage.KindOneofCase.Ack:
                        replica.Acknowledged(message.Ack.Offset);
                        replicas.Acknowledged();
                        break;
                    case SecondaryMessage.KindOneofCase.Touches:
                        replica.Heard();
                        foreach (ByteString key in message.Touches.Keys)
                        {
                            store.Refresh(key.Span);
                        }

                        break;
                    case SecondaryMessage.KindOneofCase.ForwardedWrites:
                        replica.Heard();
                        if (_answers.Outstanding + message.ForwardedWrites.Writes.Count > ForwardingLimits.MaxOutstandingWrites)
                        {
                            replica.StopReason = $"the secondary has more than {ForwardingLimits.MaxOutstandingWrites} forwarded writes unanswered";
                            await replica.Stop.CancelAsync().ConfigureAwait(false);
                            return;
                        }

                        foreach (ForwardedWrite write in message.ForwardedWrites.Writes)
                        {
                            _answers.Received();
                            _answers.Answer(write.RequestId, ApplyInOrder(write));
                        }

                        break;
                    default:
                        replica.StopReason = $"the secondary sent an unexpected {message.KindCase} message";
                        await replica.Stop.CancelAsync().ConfigureAwait(false);
                        return;
                }
            }

            replica.StopReason = "the secondary closed its side of the stream";
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or RpcException)
        {
            replica.StopReason = "reading from the secondary failed: " + ex.Message;
        }

        await replica.Stop.CancelAsync().ConfigureAwait(false);
    }

    /// <summary>Drops a secondary not heard from for <see cref="ReplicatedCacheOptions.ReplicationTimeout"/>.</summary>
    private async Task WatchAsync(ConnectedReplica replica, CancellationTokenSource stop)
    {
        try
        {
            while (true)
            {
                await _loop.DelayAsync(_options.HeartbeatInterval, stop.Token).ConfigureAwait(false);
                if (replica.SinceLastHeard > _options.ReplicationTimeout)
                {
                    replica.StopReason = $"no acknowledgement for {replica.SinceLastHeard.TotalSeconds:F1} s (ReplicationTimeout {_options.ReplicationTimeout.TotalSeconds:F1} s)";
                    await stop.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
