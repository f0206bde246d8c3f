namespace ReplCache.Storage;

/// <summary>How a Redis <c>SET</c> depends on the key's current state.</summary>
internal enum SetCondition
{
    Always,

    /// <summary><c>NX</c>: only when the key does not exist.</summary>
    IfAbsent,

    /// <summary><c>XX</c>: only when the key exists.</summary>
    IfPresent,
}

/// <summary>The conditions of Redis 7's <c>EXPIRE key n [NX|XX|GT|LT]</c>.</summary>
[Flags]
internal enum ExpireCondition
{
    None = 0,

    /// <summary>Only when the key has no expiry.</summary>
    IfNoExpiry = 1,

    /// <summary>Only when the key has an expiry.</summary>
    IfHasExpiry = 2,

    /// <summary>Only when the new expiry is later than the current one (no expiry counts as infinitely late).</summary>
    IfLater = 4,

    /// <summary>Only when the new expiry is earlier than the current one.</summary>
    IfEarlier = 8,
}

internal sealed partial class CacheStore
{
    // Operations of the Redis-protocol endpoint. Each one that decides on the key's current state decides under the
    // write lock and changes the store through Insert/Remove (re-entering the lock), so the decision, the change and
    // its log record are one step, and what secondaries receive is the same whole-state record a cache write makes.

    /// <summary>Redis's <c>SET</c> with <c>NX</c>/<c>XX</c>, <c>KEEPTTL</c> and <c>GET</c>, decided atomically.</summary>
    /// <param name="key">UTF-8 key.</param>
    /// <param name="value">The new value.</param>
    /// <param name="absoluteExpiryMs">The new absolute expiry (unix ms, 0 = none); ignored with <paramref name="keepTtl"/>.</param>
    /// <param name="condition">NX/XX.</param>
    /// <param name="keepTtl">Keep the current entry's expiry settings, as <c>KEEPTTL</c>.</param>
    /// <param name="previous">The live entry the key held before (for <c>GET</c>), or null.</param>
    /// <returns>True when the value was stored.</returns>
    public bool SetIf(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, long absoluteExpiryMs, SetCondition condition, bool keepTtl, out byte[]? previous)
    {
        Limits.ThrowIfTooLarge(key, value.Length);
        lock (_writeLock)
        {
            long now = _clock.NowMs();
            byte[]? current = FindLive(key, now);
            previous = current;
            if ((condition == SetCondition.IfAbsent && current is not null) || (condition == SetCondition.IfPresent && current is null))
            {
                return false;
            }

            long absolute = absoluteExpiryMs, sliding = 0, deadline = 0;
            if (keepTtl && current is not null)
            {
                // A sliding entry keeps its window too; like any write through the cache, the write renews it.
                absolute = EntryLayout.AbsoluteExpiryMs(current);
                sliding = EntryLayout.SlidingMs(current);
                deadline = sliding == 0 ? 0 : SlidingDeadline(now, sliding, absolute);
            }
            else if (keepTtl)
            {
                absolute = 0;
            }

            Insert(EntryLayout.Create(key, value, absolute, sliding, deadline));
            return true;
        }
    }

    /// <summary>Redis's <c>DEL</c> of one key: removes it and says whether a live entry was there.</summary>
    public bool RemoveLive(ReadOnlySpan<byte> key)
    {
        lock (_writeLock)
        {
            long now = _clock.NowMs();
            byte[]? blob = _table.Find(key, KeyCodec.Hash(key));
            if (blob is null)
            {
                return false;
            }

            bool live = !EntryLayout.IsExpired(blob, now);
            if (!live && !IsAuthoritative)
            {
                return false; // a secondary never deletes an expired entry on its own; its primary will
            }

            Remove(key);
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
        lock (_writeLock)
        {
            long now = _clock.NowMs();
            byte[]? blob = FindLive(key, now);
            if (blob is null)
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
                Remove(key); // Redis deletes a key given an expiry in the past, and replicates a DEL
                return true;
            }

            Insert(EntryLayout.Create(key, EntryLayout.Value(blob), atMs, 0, 0));
            return true;
        }
    }

    /// <summary>Redis's <c>PERSIST</c>: removes a live entry's expiry. True when it had one.</summary>
    public bool Persist(ReadOnlySpan<byte> key)
    {
        lock (_writeLock)
        {
            byte[]? blob = FindLive(key, _clock.NowMs());
            if (blob is null || !EntryLayout.CanExpire(blob))
            {
                return false;
            }

            Insert(EntryLayout.Create(key, EntryLayout.Value(blob), 0, 0, 0));
            return true;
        }
    }

    /// <summary>
    /// Redis's <c>PTTL</c>: milliseconds until a live entry expires — for a sliding entry, until its current
    /// deadline — or -1 when it never expires, -2 when there is no live entry. Does not renew a sliding entry.
    /// </summary>
    public long TimeToLiveMs(ReadOnlySpan<byte> key)
    {
        byte[]? blob = Get(key, renewSliding: false);
        if (blob is null)
        {
            return -2;
        }

        long expiry = EntryLayout.EffectiveExpiryMs(blob);
        return expiry == 0 ? -1 : Math.Max(0, expiry - _clock.NowMs());
    }

    /// <summary>Live entries and how many of them have an expiry (INFO's keyspace line), in one lock-free pass.</summary>
    public (long Keys, long Expiring) CountLiveAndExpiring()
    {
        long now = _clock.NowMs();
        long keys = 0, expiring = 0;
        foreach (byte[] blob in EnumerateLive(now))
        {
            keys++;
            if (EntryLayout.CanExpire(blob))
            {
                expiring++;
            }
        }

        return (keys, expiring);
    }

    /// <summary>
    /// One step of Redis's <c>SCAN</c>: visits home slots from <paramref name="cursor"/> in Redis's reverse-binary
    /// order and adds the live entries whose home slot each is, until about <paramref name="count"/> entries were
    /// found. Returns the next cursor, 0 when the walk is complete.
    /// </summary>
    /// <remarks>
    /// The guarantee, as Redis's <c>dictScan</c>: every key present from the first call to the last is returned at
    /// least once (possibly more often). Entries are grouped by home slot (hash &amp; mask), not by the slot they sit
    /// in, because linear probing may park an entry further on — but never past an empty slot, since removals leave
    /// tombstones; so the entries of home slot h are all in the run from h to the next empty slot. Between calls
    /// the table may double or halve. The cursor counts with its bits reversed, so a cursor c over a table of size
    /// 2^k means "every home slot whose low k bits, reversed, are below c's is done": when the table doubles, the
    /// slots c splits into (c and c + 2^k) are both still ahead; when it halves, slots merge and some are visited
    /// again (duplicates, which Redis allows too).
    /// </remarks>
    public ulong Scan(ulong cursor, int count, List<byte[]> found)
    {
        long now = _clock.NowMs();
        EntryTable.Slot[] slots = _table.Slots;
        ulong mask = (ulong)slots.Length - 1;
        int visits = 0;
        int maxVisits = count * 10; // Redis's bound on empty buckets visited per call
        do
        {
            int home = (int)(cursor & mask);
            for (int i = home, probes = 0; probes < slots.Length; i = (i + 1) & (int)mask, probes++)
            {
                byte[]? blob = Volatile.Read(ref slots[i].Entry);
                if (blob is null)
                {
                    break;
                }

                if (!ReferenceEquals(blob, EntryTable.Tombstone) && !EntryLayout.IsExpired(blob, now)
                    && (KeyCodec.Hash(EntryLayout.Key(blob)) & (int)mask) == home)
                {
                    found.Add(blob);
                }
            }

            cursor = NextCursor(cursor, mask);
            visits++;
        }
        while (cursor != 0 && found.Count < count && visits < maxVisits);

        return cursor;
    }

    /// <summary>Redis's reverse-binary increment: set the bits above the mask, reverse, add one, reverse back.</summary>
    internal static ulong NextCursor(ulong cursor, ulong mask)
    {
        cursor |= ~mask;
        cursor = ReverseBits(cursor);
        cursor++;
        return ReverseBits(cursor);
    }

    private static ulong ReverseBits(ulong v)
    {
        v = ((v >> 1) & 0x5555555555555555UL) | ((v & 0x5555555555555555UL) << 1);
        v = ((v >> 2) & 0x3333333333333333UL) | ((v & 0x3333333333333333UL) << 2);
        v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FUL) | ((v & 0x0F0F0F0F0F0F0F0FUL) << 4);
        return System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(v);
    }

    /// <summary>The live entry for a key, or null. Caller holds the write lock.</summary>
    private byte[]? FindLive(ReadOnlySpan<byte> key, long now)
    {
        byte[]? blob = _table.Find(key, KeyCodec.Hash(key));
        return blob is null || EntryLayout.IsExpired(blob, now) ? null : blob;
    }
}
