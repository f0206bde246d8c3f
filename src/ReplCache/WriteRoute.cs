using System.Buffers;
using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Protocol;
using ReplCache.Replication;
using ReplCache.Storage;

namespace ReplCache;

/// <summary>
/// The one route of a cache-API write: a single decision — local, forwarded or skipped — with the entry limits
/// checked once, at that decision, and one local set path that every local write (a caller's, or one a secondary
/// forwarded here) goes through.
/// </summary>
internal sealed class WriteRoute(CacheStore store, AccessGate gate, IUpstreamLink upstream)
{
    private IReplayedWriteFilter? _replayedWrites;

    /// <summary>Set once by a host component that replays replicated changes through the cache API.</summary>
    public IReplayedWriteFilter? ReplayedWrites
    {
        get => Volatile.Read(ref _replayedWrites);
        set => Volatile.Write(ref _replayedWrites, value);
    }

    private ICacheWriteObserver? _writes;

    /// <summary>Set once by a host component that wants to know which of its operations wrote (read-your-writes).</summary>
    public ICacheWriteObserver? Writes
    {
        get => Volatile.Read(ref _writes);
        set => Volatile.Write(ref _writes, value);
    }

    /// <inheritdoc cref="AccessGate.ForwardsWrites"/>
    public bool ForwardsWrites => gate.ForwardsWrites;

    /// <inheritdoc cref="AccessGate.WritesPaused"/>
    public bool WritesPaused => gate.WritesPaused;

    /// <summary>Where a set of <paramref name="key"/> with a value of <paramref name="valueLength"/> bytes goes.</summary>
    /// <exception cref="ArgumentException">The key or value is past MaxKeyBytes or MaxValueBytes: refused here, before any round trip.</exception>
    public WriteDestination DecideSet(string key, long valueLength)
    {
        if (ReplayedWrites is { } filter && filter.IsReplayedWrite(key))
        {
            return WriteDestination.Skipped;
        }

        store.Limits.ThrowIfTooLarge(key, valueLength);
        Writes?.OnCacheWrite();
        return gate.ForwardsWrites ? WriteDestination.Forwarded : WriteDestination.Local;
    }

    /// <summary>Where a removal of <paramref name="key"/> goes.</summary>
    public WriteDestination DecideRemove(string key)
    {
        Writes?.OnCacheWrite();
        if (!gate.ForwardsWrites)
        {
            return WriteDestination.Local;
        }

        store.Limits.ThrowIfTooLarge(key, 0); // a key past MaxKeyBytes would make a message the primary refuses
        return WriteDestination.Forwarded;
    }

    /// <summary>
    /// A write to this node's own store, through the primary's checks (READONLY, NOREPLICAS). The limits were checked
    /// when the write's destination was decided. Blocks while FAILOVER pauses writes: the synchronous API only.
    /// </summary>
    public void SetLocally(string key, ReadOnlySpan<byte> value, DistributedCacheEntryOptions options)
    {
        gate.WaitForWritesResumed();
        Apply(key, value, options);
    }

    /// <inheritdoc cref="SetLocally(string, ReadOnlySpan{byte}, DistributedCacheEntryOptions)"/>
    public void SetLocally(string key, in ReadOnlySequence<byte> value, DistributedCacheEntryOptions options)
    {
        gate.WaitForWritesResumed();
        Apply(key, value, options);
    }

    /// <inheritdoc cref="SetLocally(string, ReadOnlySpan{byte}, DistributedCacheEntryOptions)"/>
    public void RemoveLocally(string key)
    {
        gate.WaitForWritesResumed();
        ApplyRemove(key);
    }

    /// <summary>
    /// <see cref="SetLocally(string, in ReadOnlySequence{byte}, DistributedCacheEntryOptions)"/> for the async paths:
    /// while FAILOVER pauses writes it waits without holding a thread, then applies (or meets READONLY). A write
    /// that found no pause goes on even if one begins meanwhile, as a command Redis is already running does; the
    /// store's own check under its lock keeps it off a node that stepped down.
    /// </summary>
    public ValueTask SetLocallyAsync(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, CancellationToken cancellationToken)
    {
        if (!gate.WritesPaused)
        {
            // A refusal (READONLY, NOREPLICAS, the size limit) faults the task, as an async method's would.
            try
            {
                Apply(key, value, options);
                return ValueTask.CompletedTask;
            }
            catch (Exception ex)
            {
                return ValueTask.FromException(ex);
            }
        }

        return AfterPause(this, key, value, options, cancellationToken);

        static async ValueTask AfterPause(WriteRoute route, string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, CancellationToken cancellationToken)
        {
            await route.WritesResumedAsync(cancellationToken).ConfigureAwait(false);
            route.Apply(key, value, options);
        }
    }

    /// <inheritdoc cref="SetLocallyAsync"/>
    public ValueTask RemoveLocallyAsync(string key, CancellationToken cancellationToken)
    {
        if (!gate.WritesPaused)
        {
            try
            {
                ApplyRemove(key);
                return ValueTask.CompletedTask;
            }
            catch (Exception ex)
            {
                return ValueTask.FromException(ex);
            }
        }

        return AfterPause(this, key, cancellationToken);

        static async ValueTask AfterPause(WriteRoute route, string key, CancellationToken cancellationToken)
        {
            await route.WritesResumedAsync(cancellationToken).ConfigureAwait(false);
            route.ApplyRemove(key);
        }
    }

    private void Apply(string key, ReadOnlySpan<byte> value, DistributedCacheEntryOptions options)
    {
        gate.EnsureWritable();
        DateTimeOffset now = store.Clock.UtcNow();
        (long absolute, long sliding) = ExpiryPolicy.Compute(options, now);
        store.Set(key, value, absolute, sliding, now.ToUnixTimeMilliseconds());
    }

    private void Apply(string key, in ReadOnlySequence<byte> value, DistributedCacheEntryOptions options)
    {
        if (value.IsSingleSegment)
        {
            Apply(key, value.FirstSpan, options);
            return;
        }

        gate.EnsureWritable();
        DateTimeOffset now = store.Clock.UtcNow();
        (long absolute, long sliding) = ExpiryPolicy.Compute(options, now);
        store.Set(key, value, absolute, sliding, now.ToUnixTimeMilliseconds());
    }

    private void ApplyRemove(string key)
    {
        gate.EnsureWritable();
        store.Remove(key);
    }

    /// <summary>Waits out a pause; a new pause begun meanwhile is waited out too.</summary>
    private async Task WritesResumedAsync(CancellationToken cancellationToken)
    {
        while (gate.WritesPaused)
        {
            await gate.WritesResumedAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A set made by a host store that every instance of an app writes to (the output cache, the key ring): on a
    /// secondary it goes to the primary whatever <see cref="ReplicatedCacheOptions.ReplicaWrites"/> says — such a store
    /// writes from every node by design — and completes once this node has applied it; on a primary it is local.
    /// </summary>
    public Task SetThroughPrimaryAsync(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, CancellationToken cancellationToken)
    {
        store.Limits.ThrowIfTooLarge(key, value.Length);
        Writes?.OnCacheWrite();
        if (upstream.Primary is not null)
        {
            return upstream.ForwardAsync(ForwardedWriteCodec.Set(key, value, options), cancellationToken);
        }

        return SetLocallyAsync(key, value, options, cancellationToken).AsTask();
    }

    /// <summary>As <see cref="SetThroughPrimaryAsync"/>, blocking: for host stores whose interface is synchronous.</summary>
    public void SetThroughPrimary(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options)
    {
        store.Limits.ThrowIfTooLarge(key, value.Length);
        Writes?.OnCacheWrite();
        if (upstream.Primary is not null)
        {
            upstream.Forward(ForwardedWriteCodec.Set(key, value, options));
            return;
        }

        SetLocally(key, value, options);
    }

    /// <inheritdoc cref="IUpstreamLink.Forward"/>
    public void Forward(ForwardedWrite write) => upstream.Forward(write);

    /// <inheritdoc cref="IUpstreamLink.ForwardAsync"/>
    public Task ForwardAsync(ForwardedWrite write, CancellationToken cancellationToken) => upstream.ForwardAsync(write, cancellationToken);
}
