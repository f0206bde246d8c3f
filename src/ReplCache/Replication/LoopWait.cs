using System.Threading.Tasks.Sources;
using ReplCache.Backlog;

namespace ReplCache.Replication;

/// <summary>
/// A wait on a <see cref="LoopThread"/> that one loop reuses from one wait to the next, so that waiting allocates
/// nothing: a sender whose secondary keeps up waits once per write, and a one-shot wait (a task, its completion
/// source, the signal's waker and the cancellation's registration) was about 430 bytes of garbage per write.
/// </summary>
/// <remarks>
/// One wait at a time: each <see cref="WaitAsync"/> must be awaited before the next. A wait is numbered (its
/// generation), and the loop's timer and signal entries carry the number, so an entry of an earlier wait that is
/// still queued when this one starts finishes nothing. The cancellation is registered once, for every wait.
/// </remarks>
internal sealed class LoopWait : LoopThread.WaitTarget, IValueTaskSource<bool>, IDisposable
{
    private readonly LoopThread _loop;
    private readonly CancellationToken _cancellationToken;
    private readonly CancellationTokenRegistration _registration;

    /// <summary>Continuations run synchronously: on the loop thread, which is the point.</summary>
    private ManualResetValueTaskSourceCore<bool> _completion;

    /// <summary>The current wait's generation shifted left by one, its lowest bit set while it is pending.</summary>
    private long _state;
    private volatile bool _disposed;

    internal LoopWait(LoopThread loop, CancellationToken cancellationToken)
    {
        _loop = loop;
        _cancellationToken = cancellationToken;
        if (cancellationToken.CanBeCanceled)
        {
            _registration = cancellationToken.UnsafeRegister(static s =>
            {
                var wait = (LoopWait)s!;
                wait._loop.Complete(wait, wait.CurrentGeneration, LoopThread.WaitOutcome.Cancelled);
            }, this);
        }
    }

    internal int CurrentGeneration => (int)(Volatile.Read(ref _state) >> 1);

    internal bool IsDisposed => _disposed;

    /// <summary>
    /// Completes with true at the next <see cref="AsyncSignal.Set"/> of <paramref name="signal"/>, with false after
    /// <paramref name="timeout"/>, and cancelled once the loop's token is; on the loop thread. The caller re-checks its
    /// condition after this returns and before awaiting, as with <see cref="LoopThread.WaitAsync"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The previous wait was not finished and awaited first.</exception>
    public ValueTask<bool> WaitAsync(AsyncSignal signal, TimeSpan timeout)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<bool>(_cancellationToken);
        }

        long idle = Volatile.Read(ref _state);
        if ((idle & 1) != 0)
        {
            throw new InvalidOperationException("A LoopWait waits again only after its previous wait has finished and been awaited.");
        }

        int generation = (int)(idle >> 1) + 1;
        _completion.Reset();
        Volatile.Write(ref _state, ((long)generation << 1) | 1);
        try
        {
            _loop.Schedule(this, generation, signal, timeout);
        }
        catch (ObjectDisposedException)
        {
            Volatile.Write(ref _state, (long)generation << 1);
            throw;
        }

        if (_cancellationToken.IsCancellationRequested)
        {
            _loop.Complete(this, generation, LoopThread.WaitOutcome.Cancelled); // cancelled while it was being scheduled
        }

        return new ValueTask<bool>(this, _completion.Version);
    }

    public void Dispose()
    {
        _disposed = true;
        _registration.Dispose();
    }

    internal override bool IsPending(int generation) => Volatile.Read(ref _state) == (((long)generation << 1) | 1);

    internal override void Finish(int generation, LoopThread.WaitOutcome outcome)
    {
        long pending = ((long)generation << 1) | 1;
        if (Interlocked.CompareExchange(ref _state, (long)generation << 1, pending) != pending)
        {
            return; // an earlier wait's entry, or this wait already finished
        }

        switch (outcome)
        {
            case LoopThread.WaitOutcome.Signalled:
                _completion.SetResult(true);
                break;
            case LoopThread.WaitOutcome.TimedOut:
                _completion.SetResult(false);
                break;
            default:
                _completion.SetException(new OperationCanceledException(_cancellationToken.IsCancellationRequested ? _cancellationToken : new CancellationToken(true)));
                break;
        }
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _completion.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _completion.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _completion.OnCompleted(continuation, state, token, flags);
}
