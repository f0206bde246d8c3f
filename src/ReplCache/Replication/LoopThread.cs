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
/// reservation (virtual memory, mostly untouched) and nothing while it sleeps.
/// </remarks>
internal sealed class LoopThread : IDisposable
{
    private readonly object _gate = new(); // Monitor, for Wait and Pulse
    private readonly Thread _thread;
    private readonly Queue<(Waiter Waiter, WaitOutcome Outcome)> _due = new();
    private readonly PriorityQueue<Waiter, long> _timers = new();
    private readonly List<(AsyncSignal Signal, List<Waiter> Waiters)> _armed = [];

    /// <summary>Waits without a deadline, kept so that disposal can end them.</summary>
    private readonly List<Waiter> _untimed = [];
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
        long due = Stopwatch.GetTimestamp() + (long)(Math.Max(0, timeout.TotalSeconds) * Stopwatch.Frequency);
        bool arm = false;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (timeout != Timeout.InfiniteTimeSpan)
            {
                _timers.Enqueue(waiter, due);
            }
            else
            {
                _untimed.Add(waiter);
                _untimed.RemoveAll(static w => w.IsCompleted);
            }

            if (signal is not null)
            {
                arm = Arm(signal, waiter);
            }

            Monitor.Pulse(_gate); // the earliest deadline may have changed
        }

        if (arm)
        {
            // Outside the gate: a Set racing with this call may run the callback at once, and it takes the gate.
            signal!.OnNextSet(static s => ((SignalEntry)s!).Owner.Signalled(((SignalEntry)s).Signal), new SignalEntry(this, signal));
        }

        if (cancellationToken.CanBeCanceled)
        {
            waiter.Registration = cancellationToken.UnsafeRegister(static s =>
            {
                var w = (Waiter)s!;
                w.Owner.Complete(w, WaitOutcome.Cancelled);
            }, waiter);
            if (waiter.IsCompleted)
            {
                waiter.Registration.Dispose(); // finished before the registration was stored
            }
        }

        if (cancellationToken.IsCancellationRequested)
        {
            Complete(waiter, WaitOutcome.Cancelled); // cancelled before the registration existed
        }

        return waiter.Task;
    }

    /// <summary>Completes after <paramref name="delay"/> on this thread, or cancelled.</summary>
    public async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken) =>
        await WaitAsync(null, delay, cancellationToken).ConfigureAwait(false);

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

    /// <returns>True when <paramref name="signal"/> had no waiter here yet, so it must be armed.</returns>
    private bool Arm(AsyncSignal signal, Waiter waiter)
    {
        foreach ((AsyncSignal armed, List<Waiter> waiters) in _armed)
        {
            if (ReferenceEquals(armed, signal))
            {
                // Waits that timed out stay listed until the signal fires; an idle log would let them pile up.
                waiters.RemoveAll(static w => w.IsCompleted);
                waiters.Add(waiter);
                return false;
            }
        }

        _armed.Add((signal, [waiter]));
        return true;
    }

    /// <summary>On the signalling thread (a writer's): hands the news to this thread and returns.</summary>
    private void Signalled(AsyncSignal signal)
    {
        lock (_gate)
        {
            for (int i = 0; i < _armed.Count; i++)
            {
                if (ReferenceEquals(_armed[i].Signal, signal))
                {
                    foreach (Waiter waiter in _armed[i].Waiters)
                    {
                        _due.Enqueue((waiter, WaitOutcome.Signalled));
                    }

                    _armed.RemoveAt(i);
                    break;
                }
            }

            Monitor.Pulse(_gate);
        }
    }

    private void Complete(Waiter waiter, WaitOutcome outcome)
    {
        lock (_gate)
        {
            _due.Enqueue((waiter, outcome));
            Monitor.Pulse(_gate);
        }
    }

    private void Run()
    {
        var completing = new List<(Waiter, WaitOutcome)>();
        while (true)
        {
            bool stopping;
            lock (_gate)
            {
                while (true)
                {
                    long now = Stopwatch.GetTimestamp();
                    while (_timers.TryPeek(out Waiter? timed, out long due) && (due <= now || timed.IsCompleted))
                    {
                        _timers.Dequeue();
                        if (!timed.IsCompleted)
                        {
                            _due.Enqueue((timed, WaitOutcome.TimedOut));
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

                completing.AddRange(_due);
                _due.Clear();
                stopping = _disposed;
                if (stopping)
                {
                    // Whatever still waits is told the loop is gone, so no awaiting loop hangs.
                    while (_timers.TryDequeue(out Waiter? left, out _))
                    {
                        completing.Add((left, WaitOutcome.Cancelled));
                    }

                    completing.AddRange(_untimed.Select(static w => (w, WaitOutcome.Cancelled)));
                    _untimed.Clear();

                    _armed.Clear();
                }
            }

            // Outside the gate: each awaiting loop continues here, inline, until its next await.
            foreach ((Waiter waiter, WaitOutcome outcome) in completing)
            {
                waiter.Finish(outcome);
            }

            completing.Clear();
            if (stopping)
            {
                return;
            }
        }
    }

    private enum WaitOutcome
    {
        Signalled,
        TimedOut,
        Cancelled,
    }

    private sealed record SignalEntry(LoopThread Owner, AsyncSignal Signal);

    private sealed class Waiter(LoopThread owner, CancellationToken cancellationToken)
    {
        // Continuations run synchronously: on this loop thread, which is the point.
        private readonly TaskCompletionSource<bool> _completion = new(TaskCreationOptions.None);
        private int _finished;

        public Task<bool> Task => _completion.Task;

        public LoopThread Owner { get; } = owner;

        public CancellationTokenRegistration Registration { get; set; }

        public bool IsCompleted => Volatile.Read(ref _finished) != 0;

        public void Finish(WaitOutcome outcome)
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
