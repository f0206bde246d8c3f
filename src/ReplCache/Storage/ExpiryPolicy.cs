using Microsoft.Extensions.Caching.Distributed;

namespace ReplCache.Storage;

/// <summary>Turns <see cref="DistributedCacheEntryOptions"/> into the store's millisecond deadlines, with RedisCache's rules.</summary>
internal static class ExpiryPolicy
{
    private static readonly long MaxUnixMs = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    /// <summary>
    /// RedisCache's rules: an <see cref="DistributedCacheEntryOptions.AbsoluteExpiration"/> not after
    /// <paramref name="now"/> is refused (even when a relative expiration is also set); a relative expiration
    /// wins over an absolute one; sliding renews up to the absolute deadline. Unlike RedisCache, which rounds
    /// to whole seconds, deadlines keep millisecond precision and round up, so an entry never expires early.
    /// </summary>
    /// <returns>The absolute deadline in unix ms (0 = none) and the sliding window in ms (0 = none).</returns>
    public static (long AbsoluteExpiryMs, long SlidingMs) Compute(DistributedCacheEntryOptions options, DateTimeOffset now)
    {
        if (options.AbsoluteExpiration is { } absolute && absolute <= now)
        {
            ThrowNotInFuture(absolute);
        }

        long absoluteMs = 0;
        if (options.AbsoluteExpirationRelativeToNow is { } relative)
        {
            absoluteMs = relative >= DateTimeOffset.MaxValue - now ? MaxUnixMs : CeilingUnixMs(now + relative);
        }
        else if (options.AbsoluteExpiration is { } at)
        {
            absoluteMs = CeilingUnixMs(at);
        }

        long slidingMs = options.SlidingExpiration is { } sliding ? Math.Max(1, CeilingMs(sliding)) : 0;
        return (absoluteMs, slidingMs);
    }

    private static long CeilingUnixMs(DateTimeOffset moment)
    {
        long ticks = moment.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return ticks / TimeSpan.TicksPerMillisecond + (ticks % TimeSpan.TicksPerMillisecond > 0 ? 1 : 0);
    }

    private static long CeilingMs(TimeSpan span) =>
        span.Ticks / TimeSpan.TicksPerMillisecond + (span.Ticks % TimeSpan.TicksPerMillisecond > 0 ? 1 : 0);

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowNotInFuture(DateTimeOffset value) =>
        throw new ArgumentOutOfRangeException(nameof(DistributedCacheEntryOptions.AbsoluteExpiration), value, "The absolute expiration value must be in the future.");
}
