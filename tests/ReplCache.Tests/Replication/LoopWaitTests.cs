using ReplCache.Backlog;
using ReplCache.Replication;

namespace ReplCache.Tests.Replication;

/// <summary>
/// A sender's reusable wait on its loop thread (<see cref="LoopWait"/>): every wait finishes once, on the loop
/// thread, with the outcome of its own signal or deadline, never with one left over from an earlier wait.
/// </summary>
public sealed class LoopWaitTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ReusedAThousandTimes_EachWaitEndsWithItsOwnOutcome()
    {
        using var loop = new LoopThread("test loop");
        using LoopWait wait = loop.CreateWait(CancellationToken.None);
        var signal = new AsyncSignal();
        for (int i = 0; i < 1000; i++)
        {
            bool signalIt = i % 3 != 0;
            ValueTask<bool> waiting = wait.WaitAsync(signal, signalIt ? Long : TimeSpan.Zero);
            if (signalIt)
            {
                signal.Set();
            }

            Assert.Equal(signalIt, await waiting);
        }
    }

    [Fact]
    public async Task AnEarlierWaitsDeadline_DoesNotEndALaterWait()
    {
        using var loop = new LoopThread("test loop");
        using LoopWait wait = loop.CreateWait(CancellationToken.None);
        var signal = new AsyncSignal();

        // Signalled at once, so its 100 ms deadline stays queued on the loop after it finished.
        ValueTask<bool> first = wait.WaitAsync(signal, TimeSpan.FromMilliseconds(100));
        signal.Set();
        Assert.True(await first);

        ValueTask<bool> second = wait.WaitAsync(signal, Long);
        await Task.Delay(400); // well past the first wait's deadline
        Assert.False(second.IsCompleted, "the first wait's deadline ended the second wait");
        signal.Set();
        Assert.True(await second);
    }

    [Fact]
    public async Task AnEarlierWaitsSignal_DoesNotEndALaterWaitOnAnother()
    {
        using var loop = new LoopThread("test loop");
        using LoopWait wait = loop.CreateWait(CancellationToken.None);
        var first = new AsyncSignal();
        var second = new AsyncSignal();

        // Timed out, so it is still listed as a waiter of the first signal.
        Assert.False(await wait.WaitAsync(first, TimeSpan.FromMilliseconds(10)));

        ValueTask<bool> waiting = wait.WaitAsync(second, Long);
        first.Set();
        await Task.Delay(200);
        Assert.False(waiting.IsCompleted, "the first signal ended a wait on the second");
        second.Set();
        Assert.True(await waiting);
    }

    [Fact]
    public async Task Cancelled_EndsThePendingWait_AndEveryLaterOne()
    {
        using var loop = new LoopThread("test loop");
        using var cancellation = new CancellationTokenSource();
        using LoopWait wait = loop.CreateWait(cancellation.Token);
        var signal = new AsyncSignal();
        ValueTask<bool> waiting = wait.WaitAsync(signal, Long);

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await waiting);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await wait.WaitAsync(signal, Long));
    }

    [Fact]
    public async Task LoopDisposed_EndsAPendingWait()
    {
        var loop = new LoopThread("test loop");
        using LoopWait wait = loop.CreateWait(CancellationToken.None);
        ValueTask<bool> waiting = wait.WaitAsync(new AsyncSignal(), Long);

        loop.Dispose();

        Task<bool> ended = waiting.AsTask();
        Assert.Same(ended, await Task.WhenAny(ended, Task.Delay(Long)));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ended);
    }

    [Fact]
    public async Task WaitingAgainBeforeThePreviousWaitFinished_IsRefused()
    {
        using var loop = new LoopThread("test loop");
        using LoopWait wait = loop.CreateWait(CancellationToken.None);
        var signal = new AsyncSignal();
        ValueTask<bool> waiting = wait.WaitAsync(signal, Long);

        Assert.Throws<InvalidOperationException>(() => wait.WaitAsync(signal, Long));

        signal.Set();
        Assert.True(await waiting);
    }

    [Fact]
    public void WakersHandedInAgainFromTheirCallbacks_AllWakeOnce_AndAgainAtTheNextSet()
    {
        var signal = new AsyncSignal();
        int[] woken = new int[2];
        var wakers = new AsyncSignal.Waker[2];
        for (int i = 0; i < wakers.Length; i++)
        {
            int index = i;
            // Each hands itself in again from inside the Set that woke it, as a loop thread re-arming at once does.
            wakers[i] = new AsyncSignal.Waker(_ =>
            {
                woken[index]++;
                signal.OnNextSet(wakers[index]);
            }, null);
            signal.OnNextSet(wakers[i]);
        }

        signal.Set();
        Assert.Equal([1, 1], woken);
        signal.Set();
        Assert.Equal([2, 2], woken);
    }
}
