using System.Diagnostics;

namespace ReplCache.Benchmarks;

/// <summary>
/// Repeats a warm-up round until the JIT has gone quiet: a round that compiles fewer than a few methods, within a
/// time bound. The nodes stand for a host that has run for a while, whose hot paths reached their optimised code
/// long ago; redis-server is compiled ahead of time.
/// </summary>
/// <remarks>
/// Every end-to-end bench warms up this way (the lag bench with rounds of writes at its rate). One fixed warm-up round was not enough on 2 cores: perf put 20 % of a measured full sync's samples, and 38 % of a
/// fresh-keys run's, in the tiered compiler's thread, and the same bench's result varied by 2x from run to run with
/// how far tiering had got.
/// </remarks>
internal static class JitWarmUp
{
    /// <returns>How long the warm-up took and how many rounds it ran.</returns>
    public static async Task<(TimeSpan Took, int Rounds)> UntilQuietAsync(Func<Task> round, int quietMethods = 20, int maxSeconds = 90)
    {
        var clock = Stopwatch.StartNew();
        int rounds = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(maxSeconds))
        {
            long compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
            await round();
            rounds++;
            if (System.Runtime.JitInfo.GetCompiledMethodCount() - compiled < quietMethods)
            {
                break;
            }
        }

        return (clock.Elapsed, rounds);
    }
}
