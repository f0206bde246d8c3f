using System.Diagnostics;
using System.Globalization;

namespace ReplCache.Benchmarks;

/// <summary>Replication lag percentiles of one run; a write never seen counts as infinitely late.</summary>
/// <param name="Collections">Garbage collections of the bench's process while the run recorded (every gen counted once).</param>
/// <param name="GcPaused">Time the bench's process spent paused by them: ReplCache's nodes live in it, Redis does not.</param>
/// <param name="LastCollection">The last of them: its generation, the bytes it promoted, and its pause.</param>
/// <param name="CpuUsPerWrite">CPU time of the servers while the run recorded, per recorded write (NaN: not measured).</param>
internal readonly record struct LagFigures(double P50Us, double P99Us, int Recorded, int Unseen, TimeSpan UnseenAfter, int Collections, TimeSpan GcPaused, string LastCollection = "", double CpuUsPerWrite = double.NaN)
{
    public override string ToString()
    {
        string text = $"p50 {Format(P50Us)}, p99 {Format(P99Us)} ({Recorded:N0} writes";
        if (!double.IsNaN(CpuUsPerWrite))
        {
            text += $"; servers' CPU {CpuUsPerWrite:F0} us per write";
        }

        text += $"; this process: {Collections} GCs, {GcPaused.TotalMilliseconds:F1} ms paused{LastCollection}";
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
    /// <param name="serversCpu">The CPU time the servers have used so far (null: not measured).</param>
    public static Task<LagFigures> MeasureAsync(int writesPerSecond, int samples, Action<int> write, Func<int, long, bool> waitVisible, TimeSpan unseenAfter, Func<TimeSpan>? serversCpu = null)
    {
        var done = new TaskCompletionSource<LagFigures>(TaskCreationOptions.RunContinuationsAsynchronously);
        var watcher = new Thread(() =>
        {
            try
            {
                done.SetResult(Measure(writesPerSecond, samples, write, waitVisible, unseenAfter, serversCpu));
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
    public static LagFigures Measure(int writesPerSecond, int samples, Action<int> write, Func<int, long, bool> waitVisible, TimeSpan unseenAfter, Func<TimeSpan>? serversCpu = null)
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
        TimeSpan cpuBefore = TimeSpan.Zero;
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
                cpuBefore = serversCpu?.Invoke() ?? TimeSpan.Zero;
            }

            if (seen >= warmup)
            {
                lags.Add((now - at) * 1e6 / Stopwatch.Frequency);
            }

            seen++;
        }

        int collections = lags.Count == 0 ? 0 : GC.CollectionCount(0) - collectionsBefore;
        TimeSpan paused = lags.Count == 0 ? TimeSpan.Zero : GC.GetTotalPauseDuration() - pausedBefore;
        double cpuPerWrite = lags.Count == 0 || serversCpu is null ? double.NaN : (serversCpu() - cpuBefore).TotalMicroseconds / lags.Count;
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
        string bursts = SlowBursts(lags, issuedAt, warmup);
        lags.Sort();
        int count = recorded + unseen;
        double Percentile(double p)
        {
            int index = (int)(count * p);
            return count == 0 || index >= recorded ? double.PositiveInfinity : lags[index];
        }

        GCMemoryInfo last = GC.GetGCMemoryInfo(GCKind.Any);
        string lastCollection = (collections == 0 ? "" : $", the last gen {last.Generation}: {last.PromotedBytes / 1024:N0} KB promoted, {last.PauseDurations[0].TotalMilliseconds:F1} ms, heap {last.HeapSizeBytes / (1024 * 1024):N0} MB") + bursts;
        return new LagFigures(Percentile(0.5), Percentile(0.99), recorded, unseen, unseenAfter, collections, paused, lastCollection, cpuPerWrite);
    }

    /// <summary>
    /// Where the tail comes from: the writes later than 1 ms, grouped into bursts (consecutive slow writes), with when
    /// each burst began (seconds into the recorded writes) and its worst lag. A few long bursts are stalls of the
    /// process (a collection, a descheduled thread); slow writes spread thinly are a slow path.
    /// </summary>
    private static string SlowBursts(List<double> lagsInOrder, long[] issuedAt, int warmup)
    {
        const double SlowUs = 1000;
        if (lagsInOrder.Count == 0)
        {
            return "";
        }

        var bursts = new List<(double StartS, int Writes, double WorstUs)>();
        long origin = issuedAt[warmup];
        int slow = 0;
        for (int i = 0; i < lagsInOrder.Count; i++)
        {
            if (lagsInOrder[i] <= SlowUs)
            {
                continue;
            }

            slow++;
            bool continues = i > 0 && lagsInOrder[i - 1] > SlowUs && bursts.Count > 0;
            if (continues)
            {
                (double start, int writes, double worst) = bursts[^1];
                bursts[^1] = (start, writes + 1, Math.Max(worst, lagsInOrder[i]));
            }
            else
            {
                bursts.Add(((issuedAt[warmup + i] - origin) / (double)Stopwatch.Frequency, 1, lagsInOrder[i]));
            }
        }

        if (slow == 0)
        {
            return "; no write over 1 ms";
        }

        IEnumerable<string> largest = bursts.OrderByDescending(b => b.Writes).Take(6).OrderBy(b => b.StartS)
            .Select(b => string.Create(CultureInfo.InvariantCulture, $"{b.StartS:F2} s: {b.Writes} up to {b.WorstUs / 1000:F1} ms"));
        return $"; {slow} writes over 1 ms in {bursts.Count} bursts, the largest at {string.Join(", ", largest)}";
    }
}
