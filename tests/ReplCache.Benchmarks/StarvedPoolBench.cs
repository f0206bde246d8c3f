using System.Runtime;

namespace ReplCache.Benchmarks;

/// <summary>
/// Replication lag while the host starves its own thread pool, as an ASP.NET Core app that blocks on async work
/// (sync-over-async) does: a primary and one secondary in this process, lag measured with a free pool, then again
/// while 32 work items hold pool threads blocked. The pool's minimum is left as a host has it; raising it would hide
/// exactly what this measures. The bench's own writer and watcher are threads of their own.
/// </summary>
internal static class StarvedPoolBench
{
    private const int BlockedThreads = 32;

    /// <remarks>Runs on the process's main thread, before anything awaits: its control flow needs no pool thread.</remarks>
    public static int Run(int writesPerSecond, int samples)
    {
        ThreadPool.GetMinThreads(out int minWorkers, out _);
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores; GC {(GCSettings.IsServerGC ? "server" : "workstation")}, concurrent {GCSettings.LatencyMode != GCLatencyMode.Batch}; thread pool minimum {minWorkers} workers (not raised)");
        Console.WriteLine($"replication lag, primary + 1 secondary on 127.0.0.1, {writesPerSecond:N0} writes/s, {samples:N0} writes recorded after 1 s unrecorded; a run ends after {LagMeter.PhaseCap.TotalSeconds:F0} s or at a write unseen for {LagBench.UnseenAfter.TotalSeconds:F0} s");
        foreach (bool independent in new[] { false, true })
        {
            Console.WriteLine(independent ? "ThreadPoolIndependentLinks = true (default: Follow over HTTP/1.1 on the library's threads):" : "ThreadPoolIndependentLinks = false (Sync over HTTP/2, on the host's pool):");
            LagBench.ReplCacheRig rig = LagBench.ReplCacheRig.StartAsync(secondaries: 1, threadPoolIndependentLinks: independent).GetAwaiter().GetResult();
            try
            {
                rig.Measure(writesPerSecond, samples / 2); // warm-up: tiered compilation first
                LagFigures free = rig.Measure(writesPerSecond, samples);
                Console.WriteLine($"  free pool ({ThreadPool.ThreadCount} pool threads): {free}");
                LagFigures starved = MeasureStarved(rig, writesPerSecond, samples, out string during);
                Console.WriteLine($"  {BlockedThreads} pool threads blocked: {starved}");
                Console.WriteLine($"    {during}");
                string ratio = double.IsPositiveInfinity(starved.P99Us) ? "unbounded (writes unseen)" : $"{starved.P99Us / free.P99Us:F2}x";
                Console.WriteLine($"  starved p99 / free p99: {ratio} (target <= 2x)");
            }
            finally
            {
                rig.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }

        return 0;
    }

    private static LagFigures MeasureStarved(LagBench.ReplCacheRig rig, int writesPerSecond, int samples, out string during)
    {
        using var release = new ManualResetEventSlim(initialState: false, spinCount: 0);
        int running = 0;
        int threadsBefore = ThreadPool.ThreadCount;
        for (int i = 0; i < BlockedThreads; i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(_ =>
            {
                Interlocked.Increment(ref running);
                release.Wait(LagMeter.PhaseCap + TimeSpan.FromSeconds(30)); // bounded even if the bench fails
                Interlocked.Decrement(ref running);
            }, null);
        }

        Thread.Sleep(100); // the blockers take the pool's threads
        LagFigures figures;
        try
        {
            figures = rig.Measure(writesPerSecond, samples);
            during = $"(pool threads {threadsBefore} before, {ThreadPool.ThreadCount} at the end, of which {Volatile.Read(ref running)} blocked; {ThreadPool.PendingWorkItemCount} work items queued)";
        }
        finally
        {
            release.Set();
        }

        // Let the blockers leave before the nodes stop (bounded).
        for (int i = 0; i < 100 && Volatile.Read(ref running) > 0; i++)
        {
            Thread.Sleep(10);
        }

        return figures;
    }
}
