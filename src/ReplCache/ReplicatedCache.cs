using System.Buffers;
using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Replication;
using ReplCache.Storage;

namespace ReplCache;

/// <summary>
/// An in-process <see cref="IDistributedCache"/> whose contents are replicated from one primary to its
/// secondaries. Reads are answered from local memory; writes go to the primary's store and stream to every
/// secondary. Argument checks and expiry rules match <c>RedisCache</c>, with millisecond precision.
/// </summary>
public sealed class ReplicatedCache : IDistributedCache, IBufferDistributedCache
{
    private readonly CacheStore _store;
    private readonly ReplicationController _controller;

    internal ReplicatedCache(CacheStore store, ReplicationController controller)
    {
        _store = store;
        _controller = controller;
    }

    /// <summary>Live (unexpired) entries. O(1) while no entry has an expiry, otherwise one pass over the store.</summary>
    public long Count => _store.CountLive();

    /// <summary>Keys of live entries matching a Redis <c>KEYS</c> glob: <c>* ? [abc] [^a] [a-z]</c> and <c>\</c> escapes.</summary>
    public IEnumerable<string> GetKeys(string pattern = "*")
    {
        ArgumentNullException.ThrowIfNull(pattern);
        return _store.GetKeys(pattern == "*" ? KeyPattern.All : new KeyPattern(pattern));
    }

    /// <summary>
    /// An order-independent hex digest of every live entry's key, value and expiry settings: equal on nodes with
    /// equal content, different when anything differs. 40 zeros for an empty cache.
    /// </summary>
    public string GetDigest() => _store.ComputeDigest();

    /// <inheritdoc />
    public byte[]? Get(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        byte[]? entry = Find(key);
        return entry is null ? null : EntryLayout.Value(entry).ToArray();
    }

    /// <inheritdoc />
    public Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        token.ThrowIfCancellationRequested();
        return Task.FromResult(Get(key));
    }

    /// <inheritdoc />
    public bool TryGet(string key, IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(destination);
        byte[]? entry = Find(key);
        if (entry is null)
        {
            return false;
        }

        ReadOnlySpan<byte> value = EntryLayout.Value(entry);
        value.CopyTo(destination.GetSpan(value.Length));
        destination.Advance(value.Length);
        return true;
    }

    /// <inheritdoc />
    public ValueTask<bool> TryGetAsync(string key, IBufferWriter<byte> destination, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(destination);
        token.ThrowIfCancellationRequested();
        return new ValueTask<bool>(TryGet(key, destination));
    }

    /// <inheritdoc />
    public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(options);
        _store.Limits.ThrowIfTooLarge(key, value.Length); // MaxKeyBytes, MaxValueBytes
        _controller.EnsureWritable();
        DateTimeOffset now = _store.Clock.UtcNow();
        (long absolute, long sliding) = ExpiryPolicy.Compute(options, now);
        _store.Set(key, value, absolute, sliding, now.ToUnixTimeMilliseconds());
    }

    /// <inheritdoc />
    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(options);
        token.ThrowIfCancellationRequested();
        Set(key, value, options);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public void Set(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(options);
        _store.Limits.ThrowIfTooLarge(key, value.Length);
        _controller.EnsureWritable();
        DateTimeOffset now = _store.Clock.UtcNow();
        (long absolute, long sliding) = ExpiryPolicy.Compute(options, now);
        _store.Set(key, value, absolute, sliding, now.ToUnixTimeMilliseconds());
    }

    /// <inheritdoc />
    public ValueTask SetAsync(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(options);
        token.ThrowIfCancellationRequested();
        Set(key, value, options);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public void Refresh(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        _ = Find(key);
    }

    /// <inheritdoc />
    public Task RefreshAsync(string key, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        token.ThrowIfCancellationRequested();
        Refresh(key);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public void Remove(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        _controller.EnsureWritable();
        _store.Remove(key);
    }

    /// <inheritdoc />
    public Task RemoveAsync(string key, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        token.ThrowIfCancellationRequested();
        Remove(key);
        return Task.CompletedTask;
    }

    /// <summary>A read: finds the live entry and renews its sliding deadline, as RedisCache's Get and Refresh do.</summary>
    private byte[]? Find(string key)
    {
        _controller.EnsureReadable();
        return _store.Get(key, renewSliding: true);
    }
}
