using System.Buffers;
using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Storage;

/// <summary>Argument checks as RedisCache makes them: null arguments, past absolute expirations, cancelled tokens.</summary>
public class ArgumentValidationTests
{
    private static readonly DistributedCacheEntryOptions None = new();

    [Fact]
    public async Task NullKey_EveryMethod_ThrowsArgumentNullExceptionNamingKey()
    {
        await using var local = new LocalCache();
        ReplicatedCache cache = local.Cache;
        var writer = new ArrayBufferWriter<byte>();
        var actions = new Func<Task>[]
        {
            () => Task.FromResult(cache.Get(null!)),
            () => cache.GetAsync(null!),
            () => { cache.Set(null!, [1], None); return Task.CompletedTask; },
            () => cache.SetAsync(null!, [1], None),
            () => { cache.Set(null!, new ReadOnlySequence<byte>([1]), None); return Task.CompletedTask; },
            () => cache.SetAsync(null!, new ReadOnlySequence<byte>([1]), None).AsTask(),
            () => { cache.Refresh(null!); return Task.CompletedTask; },
            () => cache.RefreshAsync(null!),
            () => { cache.Remove(null!); return Task.CompletedTask; },
            () => cache.RemoveAsync(null!),
            () => Task.FromResult(cache.TryGet(null!, writer)),
            () => cache.TryGetAsync(null!, writer).AsTask(),
        };
        foreach (Func<Task> action in actions)
        {
            ArgumentNullException error = await Assert.ThrowsAsync<ArgumentNullException>(action);
            Assert.Equal("key", error.ParamName);
        }
    }

    [Fact]
    public async Task NullValueOrOptionsOrDestination_ThrowArgumentNullExceptionNamingIt()
    {
        await using var local = new LocalCache();
        ReplicatedCache cache = local.Cache;
        Assert.Equal("value", Assert.Throws<ArgumentNullException>(() => cache.Set("k", null!, None)).ParamName);
        Assert.Equal("value", (await Assert.ThrowsAsync<ArgumentNullException>(() => cache.SetAsync("k", null!, None))).ParamName);
        Assert.Equal("options", Assert.Throws<ArgumentNullException>(() => cache.Set("k", [1], null!)).ParamName);
        Assert.Equal("options", (await Assert.ThrowsAsync<ArgumentNullException>(() => cache.SetAsync("k", [1], null!))).ParamName);
        Assert.Equal("options", Assert.Throws<ArgumentNullException>(() => cache.Set("k", new ReadOnlySequence<byte>([1]), null!)).ParamName);
        Assert.Equal("options", (await Assert.ThrowsAsync<ArgumentNullException>(() => cache.SetAsync("k", new ReadOnlySequence<byte>([1]), null!).AsTask())).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentNullException>(() => cache.TryGet("k", null!)).ParamName);
        Assert.Equal("destination", (await Assert.ThrowsAsync<ArgumentNullException>(() => cache.TryGetAsync("k", null!).AsTask())).ParamName);
        Assert.Equal("pattern", Assert.Throws<ArgumentNullException>(() => cache.GetKeys(null!)).ParamName);
        Assert.Equal(0, cache.Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(-3_600_000)]
    public async Task AbsoluteExpirationNotInTheFuture_ThrowsAsRedisCacheDoes(int offsetMs)
    {
        await using var local = new LocalCache();
        DateTimeOffset at = local.Clock.GetUtcNow().AddMilliseconds(offsetMs);
        foreach (var options in new[]
        {
            new DistributedCacheEntryOptions { AbsoluteExpiration = at },
            new DistributedCacheEntryOptions { AbsoluteExpiration = at, AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(1) },
        })
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => local.Cache.Set("k", [1], options));
            Assert.Equal("AbsoluteExpiration", error.ParamName);
            Assert.StartsWith("The absolute expiration value must be in the future.", error.Message);
            Assert.Equal(at, error.ActualValue);
            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => local.Cache.SetAsync("k", [1], options));
        }

        Assert.Null(local.Cache.Get("k"));
    }

    [Fact]
    public async Task CancelledToken_AsyncMethodsThrowAndDoNothing()
    {
        await using var local = new LocalCache();
        ReplicatedCache cache = local.Cache;
        cache.Set("present", [1], None);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        CancellationToken token = cancelled.Token;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cache.SetAsync("new", [1], None, token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cache.SetAsync("new", new ReadOnlySequence<byte>([1]), None, token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cache.RemoveAsync("present", token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cache.GetAsync("present", token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cache.RefreshAsync("present", token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cache.TryGetAsync("present", new ArrayBufferWriter<byte>(), token).AsTask());
        Assert.Null(cache.Get("new"));
        Assert.NotNull(cache.Get("present"));
    }
}
