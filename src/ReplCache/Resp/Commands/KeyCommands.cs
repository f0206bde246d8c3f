using System.Buffers.Text;
using ReplCache.Storage;

namespace ReplCache.Resp.Commands;

/// <summary>DEL, EXISTS, the EXPIRE family, TTL/PTTL, PERSIST, KEYS, SCAN, DBSIZE and FLUSHALL.</summary>
internal static class KeyCommands
{
    private static ValueTask<RespFlow> Done => new(RespFlow.Continue);

    public static ValueTask<RespFlow> Del(RespConnection c)
    {
        if (!AllKeysValid(c, 1))
        {
            return Done;
        }

        long removed = 0;
        for (int i = 1; i < c.Request.Count; i++)
        {
            if (c.Server.Store.RemoveLive(c.Request[i]))
            {
                removed++;
            }
        }

        c.Writer.Integer(removed);
        return Done;
    }

    /// <summary><c>EXISTS key...</c>: a key named twice counts twice, as in Redis. Does not renew sliding entries.</summary>
    public static ValueTask<RespFlow> Exists(RespConnection c)
    {
        if (!AllKeysValid(c, 1))
        {
            return Done;
        }

        long found = 0;
        for (int i = 1; i < c.Request.Count; i++)
        {
            if (c.Server.Store.ContainsLive(c.Request[i]))
            {
                found++;
            }
        }

        c.Writer.Integer(found);
        return Done;
    }

    public static ValueTask<RespFlow> Expire(RespConnection c) => SetExpiry(c, ExpiryUnit.Seconds, "expire");

    public static ValueTask<RespFlow> PExpire(RespConnection c) => SetExpiry(c, ExpiryUnit.Milliseconds, "pexpire");

    public static ValueTask<RespFlow> ExpireAt(RespConnection c) => SetExpiry(c, ExpiryUnit.UnixSeconds, "expireat");

    public static ValueTask<RespFlow> PExpireAt(RespConnection c) => SetExpiry(c, ExpiryUnit.UnixMilliseconds, "pexpireat");

    /// <summary><c>TTL key</c>: seconds, rounded to the nearest as Redis does; -2 missing, -1 no expiry.</summary>
    public static ValueTask<RespFlow> Ttl(RespConnection c)
    {
        if (c.TryKey(1, out ReadOnlySpan<byte> key))
        {
            long ms = c.Server.Store.TimeToLiveMs(key);
            c.Writer.Integer(ms < 0 ? ms : (ms + 500) / 1000);
        }

        return Done;
    }

    public static ValueTask<RespFlow> PTtl(RespConnection c)
    {
        if (c.TryKey(1, out ReadOnlySpan<byte> key))
        {
            c.Writer.Integer(c.Server.Store.TimeToLiveMs(key));
        }

        return Done;
    }

    public static ValueTask<RespFlow> Persist(RespConnection c)
    {
        if (c.TryKey(1, out ReadOnlySpan<byte> key))
        {
            c.Writer.Integer(c.Server.Store.Persist(key) ? 1 : 0);
        }

        return Done;
    }

    public static ValueTask<RespFlow> Keys(RespConnection c)
    {
        string pattern = c.Text(1);
        List<string> keys = c.Server.Store.GetKeys(pattern == "*" ? KeyPattern.All : new KeyPattern(pattern));
        c.Writer.ArrayHeader(keys.Count);
        foreach (string key in keys)
        {
            c.Writer.Bulk(key);
        }

        return Done;
    }

    /// <summary><c>SCAN cursor [MATCH pattern] [COUNT n] [TYPE type]</c>; see <see cref="CacheStore.Scan"/> for the guarantee.</summary>
    public static ValueTask<RespFlow> Scan(RespConnection c)
    {
        if (!Utf8Parser.TryParse(c.Request[1], out ulong cursor, out int consumed) || consumed != c.Request[1].Length)
        {
            c.Writer.Error("ERR invalid cursor");
            return Done;
        }

        KeyPattern? pattern = null;
        long count = 10;
        bool onlyStrings = true;
        for (int i = 2; i < c.Request.Count; i++)
        {
            bool hasNext = i + 1 < c.Request.Count;
            if (c.Is(i, "COUNT"u8) && hasNext)
            {
                if (!c.TryInteger(++i, out count))
                {
                    return Done;
                }

                if (count < 1)
                {
                    c.Writer.Error("ERR syntax error");
                    return Done;
                }
            }
            else if (c.Is(i, "MATCH"u8) && hasNext)
            {
                string text = c.Text(++i);
                pattern = text == "*" ? null : new KeyPattern(text);
            }
            else if (c.Is(i, "TYPE"u8) && hasNext)
            {
                onlyStrings = c.Is(++i, "string"u8); // every value here is a Redis string
            }
            else
            {
                c.Writer.Error("ERR syntax error");
                return Done;
            }
        }

        var found = new List<string>();
        ulong next = c.Server.Store.Scan(cursor, (int)Math.Min(count, 1 << 20), found);
        c.Writer.ArrayHeader(2);
        c.Writer.BulkNumber((long)next);
        if (!onlyStrings)
        {
            c.Writer.EmptyArray();
            return Done;
        }

        // As Redis, MATCH filters after the step: a page may come back empty while the cursor is not yet 0.
        var matching = new List<string>(found.Count);
        foreach (string key in found)
        {
            if (pattern is null || pattern.IsMatch(key))
            {
                matching.Add(key);
            }
        }

        c.Writer.ArrayHeader(matching.Count);
        foreach (string key in matching)
        {
            c.Writer.Bulk(key);
        }

        return Done;
    }

    public static ValueTask<RespFlow> DbSize(RespConnection c)
    {
        c.Writer.Integer(c.Server.Store.CountLive());
        return Done;
    }

    /// <summary>
    /// <c>FLUSHALL [ASYNC|SYNC]</c> (and FLUSHDB, the same with one database): one Clear record in the log, so every
    /// secondary empties at the same point of the stream. Clearing is immediate either way.
    /// </summary>
    public static ValueTask<RespFlow> FlushAll(RespConnection c)
    {
        if (c.Request.Count > 2 || (c.Request.Count == 2 && !c.Is(1, "ASYNC"u8) && !c.Is(1, "SYNC"u8)))
        {
            c.Writer.Error("ERR syntax error");
            return Done;
        }

        c.Server.Store.Clear();
        c.Writer.Ok();
        return Done;
    }

    /// <summary>Redis's <c>expireGenericCommand</c>, with Redis 7's NX/XX/GT/LT.</summary>
    private static ValueTask<RespFlow> SetExpiry(RespConnection c, ExpiryUnit unit, string command)
    {
        if (!c.TryKey(1, out ReadOnlySpan<byte> key))
        {
            return Done;
        }

        ExpireCondition condition = ExpireCondition.None;
        for (int i = 3; i < c.Request.Count; i++)
        {
            ExpireCondition flag = c.Is(i, "NX"u8) ? ExpireCondition.IfNoExpiry
                : c.Is(i, "XX"u8) ? ExpireCondition.IfHasExpiry
                : c.Is(i, "GT"u8) ? ExpireCondition.IfLater
                : c.Is(i, "LT"u8) ? ExpireCondition.IfEarlier
                : ExpireCondition.None;
            if (flag == ExpireCondition.None)
            {
                c.Writer.Error($"ERR Unsupported option {c.Text(i)}");
                return Done;
            }

            condition |= flag;
        }

        if (condition.HasFlag(ExpireCondition.IfNoExpiry) && condition != ExpireCondition.IfNoExpiry)
        {
            c.Writer.Error("ERR NX and XX, GT or LT options at the same time are not compatible");
            return Done;
        }

        if (condition.HasFlag(ExpireCondition.IfLater) && condition.HasFlag(ExpireCondition.IfEarlier))
        {
            c.Writer.Error("ERR GT and LT options at the same time are not compatible");
            return Done;
        }

        if (!c.TryInteger(2, out long when))
        {
            return Done;
        }

        bool seconds = unit is ExpiryUnit.Seconds or ExpiryUnit.UnixSeconds;
        if (seconds && (when > long.MaxValue / 1000 || when < long.MinValue / 1000))
        {
            c.Writer.Error($"ERR invalid expire time in '{command}' command");
            return Done;
        }

        long ms = seconds ? when * 1000 : when;
        long baseMs = unit is ExpiryUnit.Seconds or ExpiryUnit.Milliseconds ? c.Server.Store.Clock.NowMs() : 0;
        if (ms > long.MaxValue - baseMs)
        {
            c.Writer.Error($"ERR invalid expire time in '{command}' command");
            return Done;
        }

        // A moment not after now (n <= 0 for EXPIRE) deletes the key, as Redis does.
        c.Writer.Integer(c.Server.Store.SetExpiry(key, ms + baseMs, condition) ? 1 : 0);
        return Done;
    }

    private static bool AllKeysValid(RespConnection c, int from)
    {
        for (int i = from; i < c.Request.Count; i++)
        {
            if (!c.TryKey(i, out _))
            {
                return false;
            }
        }

        return true;
    }
}
