using System.Diagnostics;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Replication;

/// <summary>
/// A host that blocks its own thread pool (sync-over-async, as many apps do somewhere) must not stall replication:
/// links run on threads of the library's own (LoopThread, the owned-thread transports). (The upstream direction,
/// acknowledgements in Report calls, still waits for the pool at times: not asserted here yet, see issue 12's note.)
/// Each test blocks more pool threads than the pool can add within the test, and checks, from a thread
/// of its own while the pool is still starved (work items still queued behind the blockers), that replication moved.
/// With links on the thread pool, nothing moves until the blockers leave.
/// </summary>
/// <remarks>Alone in its collection: blocking the process's pool would stall whatever ran beside it.</remarks>
[Collection(HeavyCollection.Name)]
public sealed class ThreadPoolStarvationTests
{
    /// <summary>More than the pool injects in the test's time (about one thread per half second once starved).</summary>
    private const int Blockers = 96;

    [Fact]
    public async Task Writes_ReachTheSecondary_WhileTheHostBlocksItsThreadPool()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync(o => o.ThreadPoolIndependentLinks = true);
        await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(primary.Address, o => o.ThreadPoolIndependentLinks = true);
        await Nodes.WaitInSyncAsync(primary, secondary);
        await LinkEstablishedAsync(primary);

        StarvedPhase phase = await RunStarvedAsync(starved =>
        {
            for (int i = 0; i < 200; i++)
            {
                primary.Cache.Set($"k{i}", [(byte)i], new Microsoft.Extensions.Caching.Distributed.DistributedCacheEntryOptions());
            }

            bool visible = PollOnThisThread(() => secondary.Cache.Get("k199") is [199], TimeSpan.FromSeconds(20));
            bool stillStarvedWhenVisible = starved();
            return new StarvedPhase(visible, stillStarvedWhenVisible, starved());
        });

        Assert.True(phase.Visible, "the writes made while the pool was blocked never reached the secondary");
        Assert.True(phase.StillStarvedWhenVisible, "the pool had recovered before the writes were visible: the test proved nothing");
        Assert.True(phase.StillStarvedAtTheEnd, "the pool recovered during the phase: the test proved nothing");
        Assert.Equal(primary.Cache.GetDigest(), secondary.Cache.GetDigest());
    }

    /// <summary>
    /// Until the secondary's acknowledgements arrive: it sends them once its Report connections are all open, and a
    /// link that is still opening connections when the pool is blocked waits for the pool (documented).
    /// </summary>
    private static Task LinkEstablishedAsync(ReplicatedCacheNode primary) =>
        Poll.UntilAsync(() => primary.Replication.GetInfo() is { Replicas: [{ AckedOffset: var acked }] } info && acked == info.Offset, "the secondary's first acknowledgement");

    private sealed record StarvedPhase(bool Visible, bool StillStarvedWhenVisible, bool StillStarvedAtTheEnd);

    /// <summary>
    /// Blocks the pool, runs <paramref name="phase"/> on a thread of its own (it is given a check that the pool is
    /// still starved), then releases the pool. The test's own awaits resume only after the release.
    /// </summary>
    private static Task<StarvedPhase> RunStarvedAsync(Func<Func<bool>, StarvedPhase> phase)
    {
        var done = new TaskCompletionSource<StarvedPhase>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            using var release = new ManualResetEventSlim(initialState: false, spinCount: 0);
            int running = 0;
            try
            {
                for (int i = 0; i < Blockers; i++)
                {
                    ThreadPool.UnsafeQueueUserWorkItem(_ =>
                    {
                        Interlocked.Increment(ref running);
                        release.Wait(TimeSpan.FromSeconds(90)); // bounded even if the test fails
                        Interlocked.Decrement(ref running);
                    }, null);
                }

                // Starved while some blockers have not started: they wait in the pool's queue (FIFO), so anything queued
                // after them waits too, for threads the pool adds at about two a second.
                bool Starved() => Volatile.Read(ref running) is > 0 and < Blockers;
                if (!PollOnThisThread(Starved, TimeSpan.FromSeconds(10)))
                {
                    throw new InvalidOperationException("The blockers never took every pool thread.");
                }

                done.SetResult(phase(Starved));
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
            }
            finally
            {
                release.Set();
                // Let the blockers leave before the nodes stop (bounded).
                PollOnThisThread(() => Volatile.Read(ref running) == 0, TimeSpan.FromSeconds(30));
            }
        })
        {
            IsBackground = true,
            Name = "starved phase",
        };
        thread.Start();
        return done.Task;
    }

    /// <summary>Polls on the calling thread, never the pool's: the pool is what is blocked.</summary>
    private static bool PollOnThisThread(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (condition())
            {
                return true;
            }

            Thread.Sleep(10);
        }

        return condition();
    }
}
