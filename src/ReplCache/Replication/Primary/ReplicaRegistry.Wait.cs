namespace ReplCache.Replication.Primary;

internal sealed partial class ReplicaRegistry
{
    /// <summary>The highest offset something waits to see acknowledged; -1 while nothing ever asked.</summary>
    private long _acknowledgementsWanted = -1;

    /// <summary>
    /// The highest offset anything asked secondaries to acknowledge (see <see cref="RequestAcknowledgements"/>). A
    /// sender asks its secondary once its stream has reached it.
    /// </summary>
    public long AcknowledgementsWanted => Volatile.Read(ref _acknowledgementsWanted);

    /// <summary>
    /// Redis's <c>REPLCONF GETACK</c>: asks every connected secondary to acknowledge, as soon as it has applied it,
    /// the stream up to <paramref name="offset"/>. Secondaries otherwise acknowledge once per heartbeat interval,
    /// so whatever waits for an acknowledgement sooner (WAIT, FAILOVER, the drain) asks first.
    /// </summary>
    public void RequestAcknowledgements(long offset)
    {
        long wanted = Volatile.Read(ref _acknowledgementsWanted);
        while (offset > wanted)
        {
            long seen = Interlocked.CompareExchange(ref _acknowledgementsWanted, offset, wanted);
            if (seen == wanted)
            {
                log.WakeReaders(); // the senders: each sends the request after the stream up to the offset
                return;
            }

            wanted = seen;
        }
    }

    /// <summary>
    /// Redis's WAIT: how many directly connected secondaries have acknowledged this node's offset as of the call.
    /// <paramref name="timeout"/> of <see cref="TimeSpan.Zero"/> checks once without waiting;
    /// <see cref="Timeout.InfiniteTimeSpan"/> waits until enough have (Redis's <c>WAIT n 0</c>).
    /// </summary>
    public async Task<int> WaitForReplicasAsync(int replicas, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(replicas);
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be zero or more, or Timeout.InfiniteTimeSpan.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        long target = log.EndOffset;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            deadline.CancelAfter(timeout);
        }

        while (true)
        {
            Task acknowledged = _acknowledged.WaitAsync();
            int count = CountAcknowledged(target);
            if (count >= replicas || deadline.IsCancellationRequested)
            {
                cancellationToken.ThrowIfCancellationRequested();
                return count;
            }

            // Asked on every round, not once: a secondary that connects during the wait is asked too.
            RequestAcknowledgements(target);

            try
            {
                await acknowledged.WaitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return CountAcknowledged(target);
            }
        }
    }

    /// <summary>
    /// Before a graceful stop: gives connected secondaries up to <paramref name="timeout"/> to acknowledge everything
    /// this node has written, so a restart loses nothing that was acknowledged.
    /// </summary>
    /// <remarks>
    /// Waits for the secondaries connected when the stop began, each until it has acknowledged or has left — not
    /// for a count of them: one that leaves during the drain will never acknowledge, and counting on it would hold
    /// the stop for the whole timeout (a cluster shut down all at once).
    /// </remarks>
    public async Task DrainAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        long target = log.EndOffset;
        ConnectedReplica[] draining = Connected();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            Task acknowledged = _acknowledged.WaitAsync(); // set by every acknowledgement and every departure
            ConnectedReplica[] connected = Connected();
            if (Array.TrueForAll(draining, r => r.AckedOffset >= target || Array.IndexOf(connected, r) < 0))
            {
                return;
            }

            RequestAcknowledgements(target);

            try
            {
                await acknowledged.WaitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return; // the timeout passed, or the caller wants out now: stop without waiting further
            }
        }
    }
}
