using System.Diagnostics;

namespace ReplCache.Tests.Infrastructure;

/// <summary>Waiting for replication: poll a condition until it holds or a deadline passes — never a fixed delay.</summary>
internal static class Poll
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        UntilAsync(() => Task.FromResult(condition()), what, timeout);

    /// <summary>The same, for a condition that must ask over the network (a RESP call, a Sentinel).</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        TimeSpan limit = timeout ?? DefaultTimeout;
        int delayMs = 1;
        while (!await condition())
        {
            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"Timed out after {limit.TotalSeconds:F0} s waiting for {what}.");
            }

            await Task.Delay(delayMs);
            delayMs = Math.Min(delayMs * 2, 50);
        }
    }
}
