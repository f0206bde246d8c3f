namespace ReplCache.Storage;

internal sealed partial class CacheStore
{
    // Operations of the Redis-protocol endpoint; the semantics live in RedisOperations, the limits are checked here.

    /// <inheritdoc cref="RedisOperations.SetIf"/>
    /// <remarks>
    /// The RESP command checked <see cref="Limits"/> before calling (see <see cref="Set(string, ReadOnlySpan{byte}, long, long, long)"/>).
    /// <paramref name="previous"/> is valid until <paramref name="scope"/> ends.
    /// </remarks>
    public bool SetIf(in StoreReadScope scope, scoped ReadOnlySpan<byte> key, scoped ReadOnlySpan<byte> value, long absoluteExpiryMs, SetCondition condition, bool keepTtl, out bool hadPrevious, out ReadOnlySpan<byte> previous)
    {
        return _operations.SetIf(key, value, absoluteExpiryMs, condition, keepTtl, out hadPrevious, out previous);
    }

    /// <summary><see cref="SetIf(in StoreReadScope, ReadOnlySpan{byte}, ReadOnlySpan{byte}, long, SetCondition, bool, out bool, out ReadOnlySpan{byte})"/> for a caller that does not want the previous value.</summary>
    public bool SetIf(scoped ReadOnlySpan<byte> key, scoped ReadOnlySpan<byte> value, long absoluteExpiryMs, SetCondition condition, bool keepTtl)
    {
        return _operations.SetIf(key, value, absoluteExpiryMs, condition, keepTtl, out _, out _);
    }

    /// <summary>
    /// Redis's plain <c>SET key value [EX|PX|EXAT|PXAT]</c> (and MSET, SETEX): no condition and no previous value to
    /// answer with, so the table is visited once — by the insert — instead of looked up first as a conditional set must.
    /// </summary>
    /// <exception cref="ReadOnlyReplicaException">The store follows a primary.</exception>
    public void SetUnconditionally(scoped ReadOnlySpan<byte> key, scoped ReadOnlySpan<byte> value, long absoluteExpiryMs)
    {
        lock (_writeLock)
        {
            _role.ThrowIfFollowing();
            _writer.Insert(_writer.Create(key, value, absoluteExpiryMs, 0, 0));
        }
    }

    /// <inheritdoc cref="RedisOperations.RemoveLive"/>
    public bool RemoveLive(ReadOnlySpan<byte> key) => _operations.RemoveLive(key);

    /// <inheritdoc cref="RedisOperations.SetExpiry"/>
    public bool SetExpiry(ReadOnlySpan<byte> key, long atMs, ExpireCondition condition) => _operations.SetExpiry(key, atMs, condition);

    /// <inheritdoc cref="RedisOperations.Persist"/>
    public bool Persist(ReadOnlySpan<byte> key) => _operations.Persist(key);

    /// <inheritdoc cref="RedisOperations.TimeToLiveMs"/>
    public long TimeToLiveMs(ReadOnlySpan<byte> key) => _operations.TimeToLiveMs(key);
}
