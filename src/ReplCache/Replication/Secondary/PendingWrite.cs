using ReplCache.Protocol;

namespace ReplCache.Replication.Secondary;

/// <summary>A forwarded write from its caller's call until its outcome: queued, sent, answered, applied here.</summary>
internal sealed class PendingWrite(ForwardedWrite message, int size)
{
    private int _finished;

    public ForwardedWrite Message { get; } = message;

    /// <summary>Its size on the wire, for batching.</summary>
    public int Size { get; } = size;

    /// <summary>
    /// Completed by the link's read loop with the offset that holds the write. Continuations run asynchronously, so
    /// an awaiting caller's code never runs on (and never stalls) the link's read loop; a caller blocked in
    /// <see cref="Task.Wait(TimeSpan)"/> is woken directly, without needing a thread-pool thread.
    /// </summary>
    public TaskCompletionSource<long> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The primary's answer, once this write waits for the local log to reach it.</summary>
    public long Offset { get; set; } = -1;

    /// <summary>Set when the caller stopped waiting (timeout, cancellation): if not sent yet, it never will be.</summary>
    public volatile bool Abandoned;

    /// <summary>Claims the right to finish the write: true the first time only, so its slot is released exactly once.</summary>
    public bool TryClaim() => Interlocked.Exchange(ref _finished, 1) == 0;

    /// <summary>Completes the write, after <see cref="TryClaim"/> (and after its slot was released, so that a caller
    /// resumed by the completion already finds the slot free).</summary>
    public void Complete(long offset, Exception? error)
    {
        if (error is null)
        {
            Completion.TrySetResult(offset);
        }
        else if (error is OperationCanceledException)
        {
            Completion.TrySetCanceled();
        }
        else
        {
            Completion.TrySetException(error);
            _ = Completion.Task.Exception; // observed: a caller that timed out no longer awaits it
        }
    }
}
