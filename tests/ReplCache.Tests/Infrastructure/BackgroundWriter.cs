using Microsoft.Extensions.Caching.Distributed;

namespace ReplCache.Tests.Infrastructure;

/// <summary>Writes, overwrites and removes keys on a primary from a background task until stopped (or a bound is hit).</summary>
internal sealed class BackgroundWriter : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _task;
    private long _writes;

    /// <param name="writesPerSecond">0: as fast as one thread can write.</param>
    public BackgroundWriter(ReplicatedCache cache, int keySpace, long maxWrites = 50_000_000, int valueBytes = 32, int seed = 1, int writesPerSecond = 0)
    {
        _task = Task.Run(async () =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var random = new Random(seed);
            byte[] value = new byte[valueBytes];
            var options = new DistributedCacheEntryOptions();
            for (long i = 0; i < maxWrites && !_stop.IsCancellationRequested; i++)
            {
                int key = random.Next(keySpace);
                if (random.Next(10) == 0)
                {
                    cache.Remove($"w{key}");
                }
                else
                {
                    random.NextBytes(value);
                    cache.Set($"w{key}", value, options);
                }

                Interlocked.Increment(ref _writes);
                if (writesPerSecond > 0)
                {
                    while (i * 1000.0 / writesPerSecond > clock.ElapsedMilliseconds && !_stop.IsCancellationRequested)
                    {
                        await Task.Delay(1);
                    }
                }
            }
        });
    }

    public long Writes => Interlocked.Read(ref _writes);

    public async Task StopAsync()
    {
        _stop.Cancel();
        await _task;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }
    }
}
