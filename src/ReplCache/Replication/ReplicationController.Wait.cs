namespace ReplCache.Replication;

internal sealed partial class ReplicationController
{
    /// <summary>
    /// Redis's WAIT: how many directly connected secondaries have acknowledged this node's offset as of the call.
    /// <paramref name="timeout"/> of <see cref="TimeSpan.Zero"/> checks once without waiting;
    /// <see cref="Timeout.InfiniteTimeSpan"/> waits until enough have (Redis's <c>WAIT n 0</c>).
    /// </summary>
    public async Task<int> WaitForReplicasAsync(int replicas, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(replicas);
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be zero or more, or Timeout.InfiniteTimeSpan.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        long target = ReplicationLog.EndOffset;
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
    internal async Task DrainAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (Role != ReplicationRole.Primary)
        {
            return;
        }

        long target = ReplicationLog.EndOffset;
        Primary.ConnectedReplica[] draining = ConnectedReplicas();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            Task acknowledged = _acknowledged.WaitAsync(); // set by every acknowledgement and every departure
            Primary.ConnectedReplica[] connected = ConnectedReplicas();
            if (Array.TrueForAll(draining, r => r.AckedOffset >= target || Array.IndexOf(connected, r) < 0))
            {
                return;
            }

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

    /// <summary>Throws unless this node accepts writes applied to its own store.</summary>
    /// <remarks>
    /// A secondary never does, whatever <see cref="ReplicatedCacheOptions.ReplicaWrites"/> says: a write applied
    /// here would diverge from the primary. With <see cref="ReplicaWriteMode.ForwardToPrimary"/> the cache sends its
    /// writes to the primary before reaching this check (<see cref="ForwardsWrites"/>); RESP writes are not
    /// forwarded and get <c>READONLY</c>, as Redis answers on a replica.
    /// </remarks>
    public void EnsureWritable()
    {
        if (Role == ReplicationRole.Secondary)
        {
            throw new ReadOnlyReplicaException();
        }
        else if (Options.MinReplicasToWrite > 0 && CountGoodReplicas() < Options.MinReplicasToWrite)
        {
            // Redis's min-replicas-to-write: only a primary checks it; secondaries ignore the setting.
            throw new NotEnoughReplicasException();
        }
    }

    /// <summary>
    /// Secondaries that are online (past their full sync) and were heard from within
    /// <see cref="ReplicatedCacheOptions.MinReplicasMaxLag"/> — Redis's "good replicas".
    /// </summary>
    internal int CountGoodReplicas()
    {
        int good = 0;
        lock (_replicasGate)
        {
            foreach (Primary.ConnectedReplica replica in _replicas)
            {
                if (replica.State == "online" && replica.AckedOffset >= 0 && replica.SinceLastHeard <= Options.MinReplicasMaxLag)
                {
                    good++;
                }
            }
        }

        return good;
    }

    /// <summary>Throws when reads must not be served: a secondary whose link is not up, with ServeStaleData off.</summary>
    public void EnsureReadable()
    {
        if (!Options.ServeStaleData && Role == ReplicationRole.Secondary && _link?.Status != PrimaryLinkStatus.Up)
        {
            throw new PrimaryLinkDownException();
        }
    }

    private int CountAcknowledged(long offset)
    {
        int count = 0;
        foreach (Primary.ConnectedReplica replica in ConnectedReplicas())
        {
            if (replica.AckedOffset >= offset)
            {
                count++;
            }
        }

        return count;
    }
}
