using System.Diagnostics;
using System.Globalization;

namespace ReplCache.Benchmarks;

/// <summary>Replication lag percentiles of one run; a write never seen counts as infinitely late.</summary>
/// <param name="Collections">Garbage collections of the bench's process while the run recorded (every gen counted once).</param>
/// <param name="GcPaused">Time the bench's process spent paused by them: ReplCache's nodes live in it, Redis does not.</param>
internal readonly record struct LagFigures(double P50Us, double P99Us, int Recorded, int Unseen, TimeSpan UnseenAfter, int Collections, TimeSpan GcPaused)
{
    public override string ToString()
    {
        string text = $"p50 {Format(P50Us)}, p99 {Format(P99Us)} ({Recorded:N0} writes";
        text += $"; this process: {Collections} GCs, {GcPaused.TotalMilliseconds:F1} ms paused";
        return Unseen == 0 ? text + ")" : text + $"; {Unseen:N0} not visible on the secondary within {UnseenAfter.TotalSeconds:F0} s of the write or by the run's end, counted as infinitely late)";
    }

    public static string Format(double us) => double.IsPositiveInfinity(us)
        ? "unseen"
        : us.ToString(us >= 100 ? "N0" : "F1", CultureInfo.InvariantCulture) + " us";
}

/// <summary>
/// Measures replication lag in an open loop: one thread writes on the primary at a steady rate whatever the secondary
/// does, another waits until each write is visible there. Both block while they wait (the writer sleeps until its next
/// slot, the watcher blocks on a signal or a socket), so neither takes a core from the nodes. The loop is open because
/// a writer that waited for each write before the next would record a stall once, in one sample, while at the asked
/// rate it delays every write issued during it (coordinated omission).
/// </summary>
internal static class LagMeter
{
    public static readonly TimeSpan PhaseCap = TimeSpan.FromSeconds(10);

    /// <param name="writesPerSecond">The writer's rate; the first second of writes is not recorded (steady state).</param>
    /// <param name="samples">Writes recorded after that first second.</param>
    /// <param name="write">Writes number <c>i</c>, with a stamp no earlier run used, so that the watcher knows it.</param>
    /// <param name="waitVisible">
    /// Blocks until write <c>i</c> (and so every earlier one: replication is ordered) is visible on the secondary,
    /// or the deadline (a <see cref="Stopwatch"/> timestamp) passes; false then.
    /// </param>
    /// <param name="unseenAfter">A write not visible this long after it was issued ends the run: the rest are unseen.</param>
    /// <remarks>Runs on a thread of its own, not the thread pool's: the bench must not compete for the pool it measures.</remarks>
    public static Task<LagFigures> MeasureAsync(int writesPerSecond, int samples, Action<int> write, Func<int, long, bool> waitVisible, TimeSpan unseenAfter)
    {
        var done = new TaskCompletionSource<LagFigures>(TaskCreationOptions.RunContinuationsAsynchronously);
        var watcher = new Thread(() =>
        {
            try
            {
                done.SetResult(Measure(writesPerSecond, samples, write, waitVisible, unseenAfter));
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "lag watcher",
        };
        watcher.Start();
        return done.Task;
    }

    /// <summary>
    /// <see cref="MeasureAsync"/> on the calling thread, which must be the bench's own. The run ends after at most
    /// <see cref="PhaseCap"/>: a write not visible by then counts as unseen.
    /// </summary>
    public static LagFigures Measure(int writesPerSecond, int samples, Action<int> write, Func<int, long, bool> waitVisible, TimeSpan unseenAfter)
    {
        long phaseEnd = Stopwatch.GetTimestamp() + (long)(PhaseCap.TotalSeconds * Stopwatch.Frequency);
        int warmup = writesPerSecond;
        int total = warmup + samples;
        long[] issuedAt = new long[total];
        int issued = 0;
        int stop = 0;
        Exception? writeFailure = null;
        long interval = Stopwatch.Frequency / writesPerSecond;

        // The writer's run is bounded by its count; the watcher's by a deadline per write.
        var writer = new Thread(() =>
        {
            try
            {
                long next = Stopwatch.GetTimestamp();
                for (int i = 0; i < total && Volatile.Read(ref stop) == 0 && Stopwatch.GetTimestamp() < phaseEnd; i++)
                {
                    Pacer.SleepUntil(next);
                    next += interval;
                    Volatile.Write(ref issuedAt[i], Stopwatch.GetTimestamp());
                    write(i);
                    Volatile.Write(ref issued, i + 1);
                }
            }
            catch (Exception ex)
            {
                writeFailure = ex;
            }
            finally
            {
                Volatile.Write(ref stop, 1);
            }
        })
        {
            IsBackground = true,
            Name = "lag writer",
        };
        writer.Start();

        var lags = new List<double>(samples);
        int collectionsBefore = 0;
        TimeSpan pausedBefore = TimeSpan.Zero;
        long unseenTicks = (long)(unseenAfter.TotalSeconds * Stopwatch.Frequency);
        int seen = 0, unseen = 0;
        while (seen < total)
        {
            long since = Volatile.Read(ref issuedAt[seen]);
            if (since == 0)
            {
                if (Volatile.Read(ref stop) == 1 && Volatile.Read(ref issued) <= seen)
                {
                    break; // the writer ended before issuing this one
                }

                since = Stopwatch.GetTimestamp(); // not issued yet: the wait starts now
            }

            if (!waitVisible(seen, Math.Min(since + unseenTicks, phaseEnd)))
            {
                if (Volatile.Read(ref issuedAt[seen]) == 0 && Stopwatch.GetTimestamp() < phaseEnd)
                {
                    continue; // it was never issued: the check above ends the run, or it is issued now
                }

                Volatile.Write(ref stop, 1);
                unseen = Math.Max(0, Volatile.Read(ref issued) - Math.Max(seen, warmup));
                break;
            }

            // Visible now: this write and any earlier the wait covered (replication is ordered).
            long now = Stopwatch.GetTimestamp();
            long at = Volatile.Read(ref issuedAt[seen]);
            if (at == 0)
            {
                throw new InvalidOperationException($"Write {seen} looked visible before it was written: the bench's stamps are not unique.");
            }

            if (seen == warmup)
            {
                collectionsBefore = GC.CollectionCount(0); // a gen-1 or gen-2 collection counts gen 0 too
                pausedBefore = GC.GetTotalPauseDuration();
            }

            if (seen >= warmup)
            {
                lags.Add((now - at) * 1e6 / Stopwatch.Frequency);
            }

            seen++;
        }

        int collections = lags.Count == 0 ? 0 : GC.CollectionCount(0) - collectionsBefore;
        TimeSpan paused = lags.Count == 0 ? TimeSpan.Zero : GC.GetTotalPauseDuration() - pausedBefore;
        Volatile.Write(ref stop, 1);
        if (!writer.Join(unseenAfter + TimeSpan.FromSeconds(5)))
        {
            throw new TimeoutException("The writer is stuck in a write to the primary.");
        }

        if (writeFailure is not null)
        {
            throw new InvalidOperationException("A write to the primary failed.", writeFailure);
        }

        int recorded = lags.Count;
        lags.Sort();
        int count = recorded + unseen;
        double Percentile(double p)
        {
            int index = (int)(count * p);
            return count == 0 || index >= recorded ? double.PositiveInfinity : lags[index];
        }

        return new LagFigures(Percentile(0.5), Percentile(0.99), recorded, unseen, unseenAfter, collections, paused);
    }
}
