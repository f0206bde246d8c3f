namespace ReplCache.Backlog;

/// <summary>
/// A wake-up for async waiters that costs the signalling side one interlocked operation and nothing more
/// when nobody waits. A waiter must re-check its condition after <see cref="WaitAsync"/> returns the task and
/// before awaiting it; both sides use full fences, so a signal between the check and the wait is never lost.
/// </summary>
internal sealed class AsyncSignal
{
    private TaskCompletionSource? _waiters;

    /// <summary>A task that completes at the next <see cref="Set"/>.</summary>
    public Task WaitAsync()
    {
        TaskCompletionSource? current = Volatile.Read(ref _waiters);
        if (current is not null)
        {
            return current.Task;
        }

        var fresh = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return (Interlocked.CompareExchange(ref _waiters, fresh, null) ?? fresh).Task;
    }

    /// <summary>Wakes every current waiter. Call it after publishing what they wait for.</summary>
    public void Set()
    {
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _waiters) is not null)
        {
            Interlocked.Exchange(ref _waiters, null)?.TrySetResult();
        }
    }
}
