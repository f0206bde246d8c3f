using Microsoft.Extensions.Time.Testing;
using ReplCache.Hosting;
using ReplCache.Replication;

namespace ReplCache.Tests.Infrastructure;

/// <summary>A node with no replication configured: the plain local cache, on a fake clock.</summary>
internal sealed class LocalCache : IAsyncDisposable
{
    public LocalCache(Action<ReplicatedCacheOptions>? configure = null)
    {
        Clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
        var options = new ReplicatedCacheOptions { TimeProvider = Clock };
        configure?.Invoke(options);
        Node = new NodeCore(options);
    }

    public FakeTimeProvider Clock { get; }

    public NodeCore Node { get; }

    public ReplicatedCache Cache => Node.Cache;

    public ValueTask DisposeAsync() => Node.DisposeAsync();
}
