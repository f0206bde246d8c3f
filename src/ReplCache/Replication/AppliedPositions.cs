using ReplCache.Backlog;

namespace ReplCache.Replication;

/// <summary>
/// Whether this node has applied a position of a replication history — (replication id, offset), as another node of
/// the group reported it after a write — and waiting until it has: read-your-writes across nodes.
/// </summary>
/// <remarks>
/// <para>A position counts as applied when it belongs to this node's history (same id, or the id this history
/// continues from and not past the point where they forked: PSYNC2's rule, <see cref="ReplicationHistory.Continues"/>),
/// the log has reached its offset, and the store holds the log's end (not while a full resync is still loading the
/// snapshot, when the offset runs ahead of the data).</para>
/// <para>A position of an unrelated history is not refused at once: this node may be about to continue into it (a
/// promoted primary's new id arrives with the next partial resync), so it is waited for like any other, and the
/// timeout decides.</para>
/// </remarks>
internal sealed class AppliedPositions(ReplicationState state, ReplicationLog log)
{
    /// <summary>
    /// The longest a waiter sleeps between checks without an append: history changes (a partial resync adopting a
    /// promoted primary's id, a full resync completing) append nothing, so they are found by this re-check.
    /// </summary>
    internal static readonly TimeSpan RecheckInterval = TimeSpan.FromMilliseconds(20);

    /// <remarks>
    /// Without the store's write lock: every request of a user who once wrote brings a position, and writers should
    /// not queue behind them. Read in this order, the three figures cannot mix two histories: the swap that completes
    /// a full resync (it loads aside until then, leaving all three as they were) first clears
    /// <see cref="ReplicationState.HoldsLogEnd"/>, then swaps in the data and the log, then publishes the new history
    /// record, then sets HoldsLogEnd again — so a log end of the new history is seen only with HoldsLogEnd false, or
    /// with a history record other than the one read first, which the second read of the record catches.
    /// </remarks>
    public bool HasApplied(string replicationId, long offset)
    {
        ReplicationHistory history = state.History;
        long end = log.EndOffset;
        bool complete = state.HoldsLogEnd;
        return complete && end >= offset && ReferenceEquals(history, state.History) && history.Continues(replicationId, offset);
    }

    /// <summary>
    /// Waits until <see cref="HasApplied"/> holds or <paramref name="timeout"/> passes (zero: checks once;
    /// <see cref="Timeout.InfiniteTimeSpan"/>: no limit), as Redis's WAIT treats its timeout.
    /// </summary>
    public async Task<bool> WaitAsync(string replicationId, long offset, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(replicationId);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be zero or more, or Timeout.InfiniteTimeSpan.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            deadline.CancelAfter(timeout);
        }

        while (true)
        {
            // Taken before the check: an append between the check and the await completes this task, so none is missed.
            Task appended = log.WaitForAppendAsync();
            if (HasApplied(replicationId, offset))
            {
                return true;
            }

            if (deadline.IsCancellationRequested)
            {
                cancellationToken.ThrowIfCancellationRequested();
                return false;
            }

            // WhenAny, not WaitAsync(interval): an idle stream would otherwise throw a TimeoutException every interval.
            await Task.WhenAny(appended, Task.Delay(RecheckInterval, deadline.Token)).ConfigureAwait(false);
        }
    }
}
