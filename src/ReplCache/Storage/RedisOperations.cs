using ReplCache.Storage.Memory;

namespace ReplCache.Storage;

/// <summary>
/// Redis's commands whose effect depends on the key's current state: <c>SET</c> with <c>NX</c>/<c>XX</c>,
/// <c>KEEPTTL</c> and <c>GET</c>; <c>DEL</c>; the <c>EXPIRE</c> family with <c>NX</c>/<c>XX</c>/<c>GT</c>/<c>LT</c>;
/// <c>PERSIST</c>; <c>PTTL</c>.
/// </summary>
/// <remarks>
/// Each one that decides on the key's current state decides under the write lock and changes the store through
/// <see cref="StoreWriter"/> (re-entering the lock), so the decision, the change and its log record are one step,
/// and what secondaries receive is the same whole-state record a cache write makes.
/// </remarks>
internal sealed class RedisOperations(Lock writeLock, EntryTable table, EntryHeap heap, StoreClock clock, StoreRole role, StoreWriter writer, EntryReader reader)
{
    /// <summary>Redis's <c>SET</c> with <c>NX</c>/<c>XX</c>, <c>KEEPTTL</c> and <c>GET</c>, decided atomically.</summary>
    /// <param name="key">UTF-8 key.</param>
    /// <param name="value">The new value.</param>
    /// <param name="absoluteExpiryMs">The new absolute expiry (unix ms, 0 = none); ignored with <paramref name="keepTtl"/>.</param>
    /// <param name="condition">NX/XX.</param>
    /// <param name="keepTtl">Keep the current entry's expiry settings, as <c>KEEPTTL</c>.</param>
    /// <param name="hadPrevious">Whether the key held a live entry before (for <c>GET</c>).</param>
    /// <param name="previous">That entry's value; valid until the caller's read protection ends.</param>
    /// <returns>True when the value was stored.</returns>
    public bool SetIf(scoped ReadOnlySpan<byte> key, scoped ReadOnlySpan<byte> value, long absoluteExpiryMs, SetCondition condition, bool keepTtl, out bool hadPrevious, out ReadOnlySpan<byte> previous)
    {
        lock (writeLock)
        {
            role.ThrowIfFollowing();
            long now = clock.NowMs();
            Entry current = FindLive(key, now);
            hadPrevious = !current.IsNull;
            previous = current.IsNull ? default : EntryLayout.Value(current);
            if ((condition == SetCondition.IfAbsent && !current.IsNull) || (condition == SetCondition.IfPresent && current.IsNull))
            {
                return false;
            }

            long absolute = absoluteExpiryMs, sliding = 0, deadline = 0;
            if (keepTtl && !current.IsNull)
            {
                // A sliding entry keeps its window too; like any write through the cache, the write renews it.
                absolute = EntryLayout.AbsoluteExpiryMs(current);
                sliding = EntryLayout.SlidingMs(current);
                deadline = sliding == 0 ? 0 : SlidingRenewal.Deadline(now, sliding, absolute);
            }
            else if (keepTtl)
            {
                absolute = 0;
            }

            writer.Insert(writer.Create(key, value, absolute, sliding, deadline));
            return true;
        }
    }

    /// <summary>Redis's <c>DEL</c> of one key: removes it and says whether a live entry was there.</summary>
    public bool RemoveLive(ReadOnlySpan<byte> key)
    {
        lock (writeLock)
        {
            role.ThrowIfFollowing();
            long now = clock.NowMs();
            Entry blob = table.Find(key, KeyCodec.Hash(key));
            if (blob.IsNull)
            {
                return false;
            }

            bool live = !EntryLayout.IsExpired(blob, now);
            if (!live && !role.IsAuthoritative)
            {
                return false; // a secondary never deletes an expired entry on its own; its primary will
            }

            writer.Remove(key);
            return live;
        }
    }

    /// <summary>
    /// Redis's <c>EXPIRE</c>/<c>PEXPIREAT</c> family: gives a live entry the absolute expiry <paramref name="atMs"/>
    /// (replacing any sliding window: a Redis expiry is absolute), or removes it when that moment has passed.
    /// </summary>
    /// <returns>True when the key existed and the condition held (Redis's 1), false otherwise (its 0).</returns>
    public bool SetExpiry(ReadOnlySpan<byte> key, long atMs, ExpireCondition condition)
    {
        lock (writeLock)
        {
            role.ThrowIfFollowing();
            long now = clock.NowMs();
            Entry blob = FindLive(key, now);
            if (blob.IsNull)
            {
                return false;
            }

            long current = EntryLayout.EffectiveExpiryMs(blob); // 0: none
            bool holds = condition switch
            {
                _ when condition.HasFlag(ExpireCondition.IfNoExpiry) => current == 0,
                _ when condition.HasFlag(ExpireCondition.IfHasExpiry) && current == 0 => false,
                _ when condition.HasFlag(ExpireCondition.IfLater) => current != 0 && atMs > current,
                _ when condition.HasFlag(ExpireCondition.IfEarlier) => current == 0 || atMs < current,
                _ => true,
            };
            if (!holds)
            {
                return false;
            }

            if (atMs <= now)
            {
                writer.Remove(key); // Redis deletes a key given an expiry in the past, and replicates a DEL
                return true;
            }

            writer.Insert(writer.Create(key, EntryLayout.Value(blob), atMs, 0, 0));
            return true;
        }
    }

    /// <summary>Redis's <c>PERSIST</c>: removes a live entry's expiry. True when it had one.</summary>
    public bool Persist(ReadOnlySpan<byte> key)
    {
        lock (writeLock)
        {
            role.ThrowIfFollowing();
            Entry blob = FindLive(key, clock.NowMs());
            if (blob.IsNull || !EntryLayout.CanExpire(blob))
            {
                return false;
            }

            writer.Insert(writer.Create(key, EntryLayout.Value(blob), 0, 0, 0));
            return true;
        }
    }

    /// <summary>
    /// Redis's <c>PTTL</c>: milliseconds until a live entry expires — for a sliding entry, until its current
    /// deadline — or -1 when it never expires, -2 when there is no live entry. Does not renew a sliding entry.
    /// </summary>
    public long TimeToLiveMs(ReadOnlySpan<byte> key)
    {
        using var scope = new StoreReadScope(heap);
        Entry blob = reader.Find(key, renewSliding: false);
        if (blob.IsNull)
        {
            return -2;
        }

        long expiry = EntryLayout.EffectiveExpiryMs(blob);
        return expiry == 0 ? -1 : Math.Max(0, expiry - clock.NowMs());
    }

    /// <summary>The live entry for a key, or null. Caller holds the write lock.</summary>
    private Entry FindLive(ReadOnlySpan<byte> key, long now)
    {
        Entry blob = table.Find(key, KeyCodec.Hash(key));
        return blob.IsNull || EntryLayout.IsExpired(blob, now) ? default : blob;
    }
}
