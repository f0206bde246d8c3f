using System.Diagnostics;
using ReplCache.Backlog;

namespace ReplCache.Replication;

/// <summary>
/// A thread of the library's own on which replication loops wait: for the log to grow, a heartbeat to come due, or
/// their link to be cancelled. A host that blocks its thread pool (sync-over-async, as many apps do somewhere)
/// would otherwise stall every loop at its next await: a timer's callback, and a task continued asynchronously, both
/// run on pool threads. A wait here completes on this thread, and the awaiting loop continues on it, so with a
/// transport that needs no pool thread either (see <c>Transport/</c>) replication never waits for the host's pool.
/// </summary>
/// <remarks>
/// One per link side (a sender, a link to a primary), never shared: a loop continued here runs until its next await,
/// which may include a blocking socket send, and must not hold up another link's heartbeats. A thread costs its stack
/// reservation (virtual memory, mostly untouched) and nothing while it sleeps. Two kinds of wait: a one-shot
/// <see cref="WaitAsync"/>, and a <see cref="LoopWait"/> that a loop waiting once per write reuses (<see cref="CreateWait"/>).
/// </remarks>
internal sealed class LoopThread : IDisposable
{
    /// <summary>Signals kept armed-ready beyond this many only while they have waiters (a loop waits on a few).</summary>
    private const int KeptSignals = 8;

    private readonly object _gate = new(); // Monitor, for Wait and Pulse
    private readonly Thread _thread;
    private readonly Queue<(WaitTarget Target, int Generation, WaitOutcome Outcome)> _due = new();
    private readonly PriorityQueue<(WaitTarget Target, int Generation), long> _timers = new();
    private readonly List<ArmedSignal> _signals = [];

    /// <summary>One-shot waits without a deadline, kept so that disposal can end them.</summary>
    private readonly List<Waiter> _untimed = [];

    /// <summary>Every reusable wait, kept so that disposal can end the one pending.</summary>
    private readonly List<LoopWait> _reusable = [];
    private bool _disposed;

    public LoopThread(string name)
    {
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>True on this loop's own thread.</summary>
    public bool IsCurrent => Thread.CurrentThread == _thread;

    /// <summary>
    /// Completes with true at the next <see cref="AsyncSignal.Set"/> of <paramref name="signal"/>, with false after
    /// <paramref name="timeout"/> (never, for <see cref="Timeout.InfiniteTimeSpan"/>), and cancelled when <paramref name="cancellationToken"/> is; always on this thread.
    /// As with <see cref="AsyncSignal.WaitAsync"/>, the caller re-checks its condition after this call returns the
    /// task and before awaiting it.
    /// </summary>
    public Task<bool> WaitAsync(AsyncSignal? signal, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<bool>(cancellationToken);
        }

        var waiter = new Waiter(this, cancellationToken);
        Schedule(waiter, 0, signal, timeout);
        if (cancellationToken.CanBeCanceled)
        {
            waiter.Registration = cancellationToken.UnsafeRegister(static s =>
            {
                var w = (Waiter)s!;
                w.Owner.Complete(w, 0, WaitOutcome.Cancelled);
            }, waiter);
            if (waiter.IsCompleted)
            {
                waiter.Registration.Dispose(); // finished before the registration was stored
            }
        }

        if (cancellationToken.IsCancellationRequested)
        {
            Complete(waiter, 0, WaitOutcome.Cancelled); // cancelled before the registration existed
        }

        return waiter.Task;
    }

    /// <summary>Completes after <paramref name="delay"/> on this thread, or cancelled.</summary>
    public async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken) =>
        await WaitAsync(null, delay, cancellationToken).ConfigureAwait(false);

    /// <summary>A wait for one loop to reuse, cancelled for good when <paramref name="cancellationToken"/> is.</summary>
    public LoopWait CreateWait(CancellationToken cancellationToken)
    {
        var wait = new LoopWait(this, cancellationToken);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _reusable.RemoveAll(static w => w.IsDisposed);
            _reusable.Add(wait);
        }

        return wait;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            Monitor.Pulse(_gate);
        }

        if (!IsCurrent)
        {
            _thread.Join();
        }
    }

    /// <summary>Starts a wait of <paramref name="target"/> at <paramref name="generation"/>: its deadline, and the signal that ends it early.</summary>
    /// <exception cref="ObjectDisposedException">This loop has stopped.</exception>
    internal void Schedule(WaitTarget target, int generation, AsyncSignal? signal, TimeSpan timeout)
    {
        long due = Stopwatch.GetTimestamp() + (long)(Math.Max(0, timeout.TotalSeconds) * Stopwatch.Frequency);
        ArmedSignal? arm = null;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (timeout != Timeout.InfiniteTimeSpan)
            {
                _timers.Enqueue((target, generation), due);
            }
            else if (target is Waiter waiter)
            {
                _untimed.Add(waiter);
                _untimed.RemoveAll(static w => w.IsCompleted);
            }

            if (signal is not null)
            {
                arm = Arm(signal, target, generation);
            }

            Monitor.Pulse(_gate); // the earliest deadline may have changed
        }

        // Outside the gate: a Set racing with this call may run the callback at once, and it takes the gate.
        arm?.Signal.OnNextSet(arm.Waker);
    }

    /// <summary>Ends a wait from another thread (its cancellation); the loop thread finishes it.</summary>
    internal void Complete(WaitTarget target, int generation, WaitOutcome outcome)
    {
        lock (_gate)
        {
            _due.Enqueue((target, generation, outcome));
            Monitor.Pulse(_gate);
        }
    }

    /// <returns>The signal's entry when its waker must be handed in (it is not in the signal's list yet), else null.</returns>
    private ArmedSignal? Arm(AsyncSignal signal, WaitTarget target, int generation)
    {
        ArmedSignal? entry = null;
        foreach (ArmedSignal known in _signals)
        {
            if (ReferenceEquals(known.Signal, signal))
            {
                entry = known;
                break;
            }
        }

        if (entry is null)
        {
            if (_signals.Count >= KeptSignals)
            {
                // A loop that waits on ever new signals (a log replaced by a full sync) must not keep them all.
                _signals.RemoveAll(static s => !s.Listening && s.Waiters.Count == 0);
            }

            entry = new ArmedSignal(this, signal);
            _signals.Add(entry);
        }

        // Waits that timed out stay listed until the signal fires; an idle log would let them pile up.
        entry.Waiters.RemoveAll(static w => !w.Target.IsPending(w.Generation));
        entry.Waiters.Add((target, generation));
        if (entry.Listening)
        {
            return null;
        }

        entry.Listening = true;
        return entry;
    }

    /// <summary>On the signalling thread (a writer's): hands the news to this thread and returns.</summary>
    private void Signalled(ArmedSignal entry)
    {
        lock (_gate)
        {
            entry.Listening = false;
            foreach ((WaitTarget target, int generation) in entry.Waiters)
            {
                _due.Enqueue((target, generation, WaitOutcome.Signalled));
            }

            entry.Waiters.Clear();
            Monitor.Pulse(_gate);
        }
    }

    private void Run()
    {
        var completing = new List<(WaitTarget, int, WaitOutcome)>();
        while (true)
        {
            bool stopping;
            lock (_gate)
            {
                while (true)
                {
                    long now = Stopwatch.GetTimestamp();
                    while (_timers.TryPeek(out (WaitTarget Target, int Generation) timed, out long due) && (due <= now || !timed.Target.IsPending(timed.Generation)))
                    {
                        _timers.Dequeue();
                        if (timed.Target.IsPending(timed.Generation))
                        {
                            _due.Enqueue((timed.Target, timed.Generation, WaitOutcome.TimedOut));
                        }
                    }

                    if (_due.Count > 0 || _disposed)
                    {
                        break;
                    }

                    int sleep = _timers.TryPeek(out _, out long next)
                        ? (int)Math.Clamp((next - now) * 1000 / Stopwatch.Frequency + 1, 1, int.MaxValue)
                        : Timeout.Infinite;
                    Monitor.Wait(_gate, sleep);
                }

                while (_due.TryDequeue(out (WaitTarget, int, WaitOutcome) item))
                {
                    completing.Add(item);
                }

                stopping = _disposed;
                if (stopping)
                {
                    // Whatever still waits is told the loop is gone, so no awaiting loop hangs.
                    while (_timers.TryDequeue(out (WaitTarget Target, int Generation) left, out _))
                    {
                        completing.Add((left.Target, left.Generation, WaitOutcome.Cancelled));
                    }

                    completing.AddRange(_untimed.Select(static w => ((WaitTarget)w, 0, WaitOutcome.Cancelled)));
                    _untimed.Clear();
                    completing.AddRange(_reusable.Select(static w => ((WaitTarget)w, w.CurrentGeneration, WaitOutcome.Cancelled)));
                    _reusable.Clear();
                    _signals.Clear();
                }
            }

            // Outside the gate: each awaiting loop continues here, inline, until its next await.
            foreach ((WaitTarget target, int generation, WaitOutcome outcome) in completing)
            {
                target.Finish(generation, outcome);
            }

            completing.Clear();
            if (stopping)
            {
                return;
            }
        }
    }

    internal enum WaitOutcome
    {
        Signalled,
        TimedOut,
        Cancelled,
    }

    /// <summary>What a wait here completes: a one-shot <see cref="Waiter"/>, or a <see cref="LoopWait"/> at one of its generations.</summary>
    internal abstract class WaitTarget
    {
        /// <summary>Whether the wait at <paramref name="generation"/> has not finished yet: a stale timer or signal entry is skipped.</summary>
        internal abstract bool IsPending(int generation);

        /// <summary>Finishes the wait at <paramref name="generation"/> the first time only; on the loop thread, outside its gate.</summary>
        internal abstract void Finish(int generation, WaitOutcome outcome);
    }

    /// <summary>A signal some wait here listens to, with the waker this loop hands it again and again.</summary>
    private sealed class ArmedSignal
    {
        public ArmedSignal(LoopThread owner, AsyncSignal signal)
        {
            Signal = signal;
            Waker = new AsyncSignal.Waker(static s => ((ArmedSignal)s!).Owner.Signalled((ArmedSignal)s), this);
            Owner = owner;
        }

        public LoopThread Owner { get; }

        public AsyncSignal Signal { get; }

        public AsyncSignal.Waker Waker { get; }

        /// <summary>Whether <see cref="Waker"/> is in the signal's list (under the loop's gate).</summary>
        public bool Listening { get; set; }

        public List<(WaitTarget Target, int Generation)> Waiters { get; } = [];
    }

    private sealed class Waiter(LoopThread owner, CancellationToken cancellationToken) : WaitTarget
    {
        // Continuations run synchronously: on this loop thread, which is the point.
        private readonly TaskCompletionSource<bool> _completion = new(TaskCreationOptions.None);
        private int _finished;

        public Task<bool> Task => _completion.Task;

        public LoopThread Owner { get; } = owner;

        public CancellationTokenRegistration Registration { get; set; }

        public bool IsCompleted => Volatile.Read(ref _finished) != 0;

        internal override bool IsPending(int generation) => !IsCompleted;

        internal override void Finish(int generation, WaitOutcome outcome)
        {
            if (Interlocked.Exchange(ref _finished, 1) != 0)
            {
                return;
            }

            Registration.Dispose();
            _ = outcome switch
            {
                WaitOutcome.Signalled => _completion.TrySetResult(true),
                WaitOutcome.TimedOut => _completion.TrySetResult(false),
                _ => _completion.TrySetCanceled(cancellationToken.IsCancellationRequested ? cancellationToken : new CancellationToken(true)),
            };
        }
    }
}
