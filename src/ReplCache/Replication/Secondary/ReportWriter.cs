using Grpc.Core;
using ReplCache.Protocol;

namespace ReplCache.Replication.Secondary;

/// <summary>
/// The secondary's side of a Follow call: messages queue here and go to the primary in Report calls, each carrying
/// everything that queued since the last one left, numbered so that the primary applies them in order. A few calls
/// are in flight at once (HTTP/1.1 carries one per connection), so a slow answer does not hold up what follows, as
/// it would not on a Sync call's request stream.
/// </summary>
/// <remarks>
/// No lock or semaphore is awaited (a contended SemaphoreSlim resumes its waiter on the thread pool): a writer that
/// finds a call slot free sends, and a call's completion, which mostly arrives on its connection's reader thread,
/// sends what queued meanwhile. (Not always: gRPC's client can complete a unary call through a task that runs its
/// continuations on the pool, so this direction still waits for a blocked pool at times; see issue 12's note.)
/// Only the newest acknowledgement of a batch is sent: an older one says nothing the newer does not.
/// </remarks>
internal sealed class ReportWriter(Protocol.Replication.ReplicationClient client, string linkId, string? token, Func<string?> currentToken, CancellationToken linkStopping, Action<Exception> failed) : IUpstreamWriter
{
    /// <summary>
    /// The token Reports present: the one that opened the Follow call, as a Sync call is authenticated once, so a
    /// rolling rotation in any order keeps the link (the primary accepts it, or the previous one during its grace).
    /// When the primary refuses it (the grace is over) a Report is retried once with the node's token of the moment.
    /// </summary>
    private volatile string? _presented = token;

    /// <summary>Messages per Report: bounds a call's size well under the message limit (touches and writes are bounded per message).</summary>
    private const int MaxMessagesPerReport = 64;

    /// <summary>Reports in flight at once: each holds a connection, and the primary accepts a few out of order.</summary>
    internal const int MaxReportsInFlight = 4;

    private readonly Lock _gate = new();
    private readonly Queue<(SecondaryMessage Message, TaskCompletionSource Sent)> _queued = new();
    private int _inFlight;
    private ulong _sequence;
    private Exception? _failure;

    /// <summary>
    /// Opens the connection of every call slot now, with empty Reports in flight at once, while the handshake has just
    /// shown the pool free: a connection opened later, while the host blocks its pool, would wait for it (the
    /// connect's completion and Kestrel's start of a connection are the pool's). HTTP/1.1 keeps them open for reuse.
    /// </summary>
    /// <remarks>
    /// Not counted against <see cref="MaxReportsInFlight"/>, and not waited for: a primary slow to answer them (a
    /// stalled link) must not hold up what the secondary sends next, which then opens connections of its own.
    /// </remarks>
    public void OpenConnections()
    {
        for (int i = 0; i < MaxReportsInFlight; i++)
        {
            ulong sequence;
            lock (_gate)
            {
                sequence = ++_sequence;
            }

            _ = SendAsync([], sequence, holdsSlot: false);
        }
    }

    public Task WriteAsync(SecondaryMessage message, CancellationToken cancellationToken)
    {
        // Continuations inline: on whichever thread completes the call, mostly the connection's own.
        var sent = new TaskCompletionSource(TaskCreationOptions.None);
        lock (_gate)
        {
            if (_failure is not null)
            {
                return Task.FromException(_failure);
            }

            _queued.Enqueue((message, sent));
        }

        if (cancellationToken.CanBeCanceled)
        {
            // Not Task.WaitAsync: its continuation could be dispatched to the pool. The message is still sent.
            CancellationTokenRegistration registration = cancellationToken.UnsafeRegister(static (s, token) => ((TaskCompletionSource)s!).TrySetCanceled(token), sent);
            _ = sent.Task.ContinueWith(static (_, r) => ((CancellationTokenRegistration)r!).Dispose(), registration, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        SendIfFree();
        return sent.Task;
    }

    private void SendIfFree()
    {
        List<(SecondaryMessage Message, TaskCompletionSource Sent)> batch;
        ulong sequence;
        lock (_gate)
        {
            if (_inFlight >= MaxReportsInFlight || _queued.Count == 0 || _failure is not null)
            {
                return;
            }

            batch = new List<(SecondaryMessage, TaskCompletionSource)>(Math.Min(_queued.Count, MaxMessagesPerReport));
            while (batch.Count < MaxMessagesPerReport && _queued.TryDequeue(out var next))
            {
                batch.Add(next);
            }

            // Numbered under the same lock that took the messages: numbers follow the order messages were written.
            sequence = ++_sequence;
            _inFlight++;
        }

        _ = SendAsync(batch, sequence, holdsSlot: true);
    }

    private async Task SendAsync(List<(SecondaryMessage Message, TaskCompletionSource Sent)> batch, ulong sequence, bool holdsSlot)
    {
        var report = new Upstream { LinkId = linkId, Sequence = sequence };
        SecondaryMessage? newestAck = null;
        foreach ((SecondaryMessage message, _) in batch)
        {
            if (message.KindCase == SecondaryMessage.KindOneofCase.Ack)
            {
                newestAck = message; // sent in its place below: acknowledgements only grow
                continue;
            }

            report.Messages.Add(message);
        }

        if (newestAck is not null)
        {
            report.Messages.Add(newestAck);
        }

        try
        {
            string? presented = _presented;
            try
            {
                await client.ReportAsync(report, Protocol.AuthToken.Headers(presented), cancellationToken: linkStopping).ConfigureAwait(false);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unauthenticated && currentToken() is var current && current != presented)
            {
                // Refused before delivery, so the same numbered Report goes again.
                _presented = current;
                await client.ReportAsync(report, Protocol.AuthToken.Headers(current), cancellationToken: linkStopping).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException or IOException or InvalidOperationException)
        {
            Fail(ex, batch);
            return;
        }

        if (holdsSlot)
        {
            lock (_gate)
            {
                _inFlight--;
            }
        }

        foreach ((_, TaskCompletionSource sent) in batch)
        {
            sent.TrySetResult();
        }

        SendIfFree();
    }

    /// <summary>A failed Report ends the link's upstream: what was queued fails, every later write too, and the link is cut.</summary>
    private void Fail(Exception ex, List<(SecondaryMessage Message, TaskCompletionSource Sent)> batch)
    {
        bool first;
        lock (_gate)
        {
            first = _failure is null;
            _failure ??= ex;
            batch.AddRange(_queued);
            _queued.Clear();
        }

        if (first && !linkStopping.IsCancellationRequested)
        {
            failed(ex);
        }

        foreach ((_, TaskCompletionSource sent) in batch)
        {
            sent.TrySetException(ex);
        }
    }
}
