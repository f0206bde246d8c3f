using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ReplCache.Benchmarks;

/// <summary>
/// Puts a driving thread to sleep until a <see cref="Stopwatch"/> timestamp, so that pacing a writer never spins on a
/// core the nodes need. <see cref="Thread.Sleep(int)"/> has millisecond steps, too coarse for a write every 100 µs;
/// on Linux the thread sleeps in <c>usleep</c> instead (the kernel's timer slack, 50 µs by default, is the error).
/// </summary>
internal static class Pacer
{
    public static void SleepUntil(long timestamp)
    {
        long left = timestamp - Stopwatch.GetTimestamp();
        if (left <= 0)
        {
            return; // behind the schedule: the caller catches up without waiting
        }

        if (OperatingSystem.IsLinux())
        {
            _ = Sleep((uint)Math.Max(1, left * 1_000_000 / Stopwatch.Frequency));
        }
        else
        {
            Thread.Sleep(TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, left * TimeSpan.TicksPerSecond / Stopwatch.Frequency)));
        }
    }

    [DllImport("libc", EntryPoint = "usleep")]
    private static extern int Sleep(uint microseconds);
}
