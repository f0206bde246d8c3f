using System.Buffers;
using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Diagnostics;
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
    private readonly WriteRoute _route;
    private readonly AccessGate _gate;
    private readonly ReplCacheMetrics _metrics;

    internal ReplicatedCache(CacheStore store, WriteRoute route, AccessGate gate, ReplCacheMetrics metrics)
    {
        _store = store;
        _route = route;
        _gate = gate;
        _metrics = metrics;
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
        using StoreReadScope scope = _store.BeginRead();
        return TryFind(scope, key, out ReadOnlySpan<byte> value) ? value.ToArray() : null;
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
        using StoreReadScope scope = _store.BeginRead();
        if (!TryFind(scope, key, out ReadOnlySpan<byte> value))
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
        Set(key, new ReadOnlySequence<byte>(value), options); // one segment: the span path, no copy, no allocation
    }

    /// <inheritdoc />
    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        return SetAsync(key, new ReadOnlySequence<byte>(value), options, token).AsTask();
    }

    /// <inheritdoc />
    public void Set(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(options);
        switch (_route.DecideSet(key, value.Length))
        {
            case WriteDestination.Local:
                _route.SetLocally(key, value, options);
                break;
            case WriteDestination.Forwarded:
                _route.Forward(ForwardedWriteCodec.Set(key, value, options));
                break;
        }
    }

    /// <inheritdoc />
    public ValueTask SetAsync(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(options);
        token.ThrowIfCancellationRequested();
        return _route.DecideSet(key, value.Length) switch
        {
            WriteDestination.Local => _route.SetLocallyAsync(key, value, options, token),
            WriteDestination.Forwarded => new ValueTask(_route.ForwardAsync(ForwardedWriteCodec.Set(key, value, options), token)),
            _ => ValueTask.CompletedTask,
        };
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
        using StoreReadScope scope = _store.BeginRead();
        _ = TryFind(scope, key, out _);
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
        if (_route.DecideRemove(key) == WriteDestination.Forwarded)
        {
            _route.Forward(ForwardedWriteCodec.Remove(key));
            return;
        }

        _route.RemoveLocally(key);
    }

    /// <inheritdoc />
    public Task RemoveAsync(string key, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        token.ThrowIfCancellationRequested();
        if (_route.DecideRemove(key) == WriteDestination.Forwarded)
        {
            return _route.ForwardAsync(ForwardedWriteCodec.Remove(key), token);
        }

        return _route.RemoveLocallyAsync(key, token).AsTask();
    }

    /// <summary>A read: finds the live entry and renews its sliding deadline, as RedisCache's Get and Refresh do.</summary>
    /// <remarks>The value is valid while <paramref name="scope"/> lasts: the entry's block may hold another entry after it.</remarks>
    private bool TryFind(in StoreReadScope scope, string key, out ReadOnlySpan<byte> value)
    {
        _gate.EnsureReadable();
        bool found = _store.TryGetValue(scope, key, renewSliding: true, out value);
        _metrics.CountLookup(found);
        return found;
    }
}
