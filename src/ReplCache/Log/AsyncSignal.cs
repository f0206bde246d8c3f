namespace ReplCache.Backlog;

/// <summary>
/// A wake-up for async waiters that costs the signalling side one interlocked operation and nothing more
/// when nobody waits. A waiter must re-check its condition after <see cref="WaitAsync"/> returns the task and
/// before awaiting it; both sides use full fences, so a signal between the check and the wait is never lost.
/// </summary>
internal sealed class AsyncSignal
{
    private TaskCompletionSource? _waiters;

    /// <summary>One-shot callbacks for the next <see cref="Set"/>, newest first (see <see cref="OnNextSet(Waker)"/>).</summary>
    private Waker? _wakers;

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

    /// <summary>
    /// Calls <paramref name="wake"/> once, on the thread of the next <see cref="Set"/>. For a loop on a thread of its
    /// own: a task's continuation would run on the thread pool, which the host may be starving. The callback must only
    /// hand the news over (it runs inside a writer's call); the same re-check rule as <see cref="WaitAsync"/> applies.
    /// </summary>
    public void OnNextSet(Action<object?> wake, object? state) => OnNextSet(new Waker(wake, state));

    /// <summary>
    /// <see cref="OnNextSet(Action{object?}, object?)"/> with a waker the caller keeps and hands in again after it
    /// woke, so that waiting allocates nothing. A waker is in one signal's list at a time: the caller must not hand it
    /// in again before its callback has run.
    /// </summary>
    public void OnNextSet(Waker waker)
    {
        Waker? head;
        do
        {
            head = Volatile.Read(ref _wakers);
            waker.Next = head;
        }
        while (Interlocked.CompareExchange(ref _wakers, waker, head) != head);
    }

    /// <summary>Wakes every current waiter. Call it after publishing what they wait for.</summary>
    public void Set()
    {
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _waiters) is not null)
        {
            Interlocked.Exchange(ref _waiters, null)?.TrySetResult();
        }

        if (Volatile.Read(ref _wakers) is not null)
        {
            Waker? waker = Interlocked.Exchange(ref _wakers, null);
            while (waker is not null)
            {
                // The next one is read first: a woken waker may be handed in again (to the new list) at once.
                Waker? next = waker.Next;
                waker.Wake(waker.State);
                waker = next;
            }
        }
    }

    /// <summary>A callback waiting in a signal's list for its next <see cref="Set"/>.</summary>
    internal sealed class Waker(Action<object?> wake, object? state)
    {
        public Action<object?> Wake { get; } = wake;

        public object? State { get; } = state;

        public Waker? Next { get; set; }
    }
}
