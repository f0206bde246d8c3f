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
/// <remarks>
/// On a secondary, writes throw <see cref="ReadOnlyReplicaException"/>, or with
/// <see cref="ReplicaWriteMode.ForwardToPrimary"/> are sent to the primary and return once this node has applied
/// the result (read-your-writes), within <see cref="ReplicatedCacheOptions.ForwardedWriteTimeout"/>. A forwarded
/// write that times out or is cancelled may still be applied on the primary, as with any remote call.
/// </remarks>
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
        return TryFind(key, out ReadOnlySpan<byte> value) ? value.ToArray() : null;
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
        if (!TryFind(key, out ReadOnlySpan<byte> value))
        {
            return false;
        }

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
        if (Hosting.HybridCacheTagRelay.IsReplayedTagWrite(key))
        {
            return; // the replicated tag key is already here; writing it back would echo the invalidation
        }

        if (_controller.ForwardsWrites)
        {
            _store.Limits.ThrowIfTooLarge(key, value.Length); // MaxKeyBytes, MaxValueBytes: refused here, not after a round trip
            _controller.ForwardWrite(ForwardedWriteCodec.Set(key, value, options));
            return;
        }

        SetLocally(key, value, options);
    }

    /// <inheritdoc />
    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(options);
        token.ThrowIfCancellationRequested();
        if (Hosting.HybridCacheTagRelay.IsReplayedTagWrite(key))
        {
            return Task.CompletedTask; // the replicated tag key is already here; writing it back would echo the invalidation
        }

        if (_controller.ForwardsWrites)
        {
            _store.Limits.ThrowIfTooLarge(key, value.Length); // MaxKeyBytes, MaxValueBytes: refused here, not after a round trip
            return _controller.ForwardWriteAsync(ForwardedWriteCodec.Set(key, value, options), token);
        }

        SetLocally(key, value, options);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public void Set(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(options);
        if (Hosting.HybridCacheTagRelay.IsReplayedTagWrite(key))
        {
            return; // the replicated tag key is already here; writing it back would echo the invalidation
        }

        if (_controller.ForwardsWrites)
        {
            _store.Limits.ThrowIfTooLarge(key, value.Length); // MaxKeyBytes, MaxValueBytes: refused here, not after a round trip
            _controller.ForwardWrite(ForwardedWriteCodec.Set(key, value, options));
            return;
        }

        SetLocally(key, value, options);
    }

    /// <inheritdoc />
    public ValueTask SetAsync(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(options);
        token.ThrowIfCancellationRequested();
        if (Hosting.HybridCacheTagRelay.IsReplayedTagWrite(key))
        {
            return ValueTask.CompletedTask; // the replicated tag key is already here; writing it back would echo the invalidation
        }

        if (_controller.ForwardsWrites)
        {
            _store.Limits.ThrowIfTooLarge(key, value.Length); // MaxKeyBytes, MaxValueBytes: refused here, not after a round trip
            return new ValueTask(_controller.ForwardWriteAsync(ForwardedWriteCodec.Set(key, value, options), token));
        }

        SetLocally(key, value, options);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Never forwarded, even with <see cref="ReplicaWriteMode.ForwardToPrimary"/>: renewing a sliding entry here
    /// is visible here at once, and the renewal reaches the primary with the coalesced touches every heartbeat, as
    /// a read's renewal does — so a refresh needs no round trip and works while the link is down.
    /// </remarks>
    public void Refresh(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        _ = TryFind(key, out _);
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
        if (_controller.ForwardsWrites)
        {
            _store.Limits.ThrowIfTooLarge(key, 0); // a key past MaxKeyBytes would make a message the primary refuses
            _controller.ForwardWrite(ForwardedWriteCodec.Remove(key));
            return;
        }

        RemoveLocally(key);
    }

    /// <inheritdoc />
    public Task RemoveAsync(string key, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        token.ThrowIfCancellationRequested();
        if (_controller.ForwardsWrites)
        {
            _store.Limits.ThrowIfTooLarge(key, 0); // a key past MaxKeyBytes would make a message the primary refuses
            return _controller.ForwardWriteAsync(ForwardedWriteCodec.Remove(key), token);
        }

        RemoveLocally(key);
        return Task.CompletedTask;
    }

    /// <summary>A write to this node's own store, through the primary's checks; forwarded writes end here too.</summary>
    internal void SetLocally(string key, ReadOnlySpan<byte> value, DistributedCacheEntryOptions options)
    {
        _store.Limits.ThrowIfTooLarge(key, value.Length); // MaxKeyBytes, MaxValueBytes
        _controller.EnsureWritable();
        DateTimeOffset now = _store.Clock.UtcNow();
        (long absolute, long sliding) = ExpiryPolicy.Compute(options, now);
        _store.Set(key, value, absolute, sliding, now.ToUnixTimeMilliseconds());
    }

    /// <inheritdoc cref="SetLocally(string, ReadOnlySpan{byte}, DistributedCacheEntryOptions)"/>
    private void SetLocally(string key, in ReadOnlySequence<byte> value, DistributedCacheEntryOptions options)
    {
        _store.Limits.ThrowIfTooLarge(key, value.Length); // MaxKeyBytes, MaxValueBytes
        _controller.EnsureWritable();
        DateTimeOffset now = _store.Clock.UtcNow();
        (long absolute, long sliding) = ExpiryPolicy.Compute(options, now);
        _store.Set(key, value, absolute, sliding, now.ToUnixTimeMilliseconds());
    }

    /// <inheritdoc cref="SetLocally(string, ReadOnlySpan{byte}, DistributedCacheEntryOptions)"/>
    internal void RemoveLocally(string key)
    {
        _controller.EnsureWritable();
        _store.Remove(key);
    }

    /// <summary>A read: finds the live entry and renews its sliding deadline, as RedisCache's Get and Refresh do.</summary>
    private bool TryFind(string key, out ReadOnlySpan<byte> value)
    {
        _controller.EnsureReadable();
        bool found = _store.TryGetValue(key, renewSliding: true, out value);
        _controller.Metrics.CountLookup(found);
        return found;
    }
}
