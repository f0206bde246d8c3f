using ReplCache.Storage;

namespace ReplCache.Resp.Commands;

/// <summary>GET and SET.</summary>
internal static partial class StringCommands
{
    private static ValueTask<RespFlow> Done => new(RespFlow.Continue);

    public static ValueTask<RespFlow> Get(RespConnection c)
    {
        if (!c.TryKey(1, out ReadOnlySpan<byte> key))
        {
            return Done;
        }

        WriteLookup(c, key);
        return Done;
    }

    /// <summary>Looks a key up and replies with its value or nil, renewing a sliding entry as the cache's own Get does.</summary>
    private static void WriteLookup(RespConnection c, ReadOnlySpan<byte> key)
    {
        using StoreReadScope scope = c.Server.Store.BeginRead();
        bool found = c.Server.Store.TryGetValue(scope, key, renewSliding: true, out ReadOnlySpan<byte> value);
        c.Server.CountLookup(found);
        if (!found)
        {
            c.Writer.Null();
        }
        else
        {
            c.Writer.Bulk(value);
        }
    }

    /// <summary>
    /// <c>SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ts-ms|KEEPTTL]</c>, parsed as Redis 7's
    /// <c>parseExtendedStringArgumentsOrReply</c>: a flag may repeat, conflicting ones are a syntax error.
    /// </summary>
    public static ValueTask<RespFlow> Set(RespConnection c)
    {
        if (!c.TryEntry(1, 2, out ReadOnlySpan<byte> key))
        {
            return Done;
        }

        SetCondition condition = SetCondition.Always;
        bool get = false, keepTtl = false;
        ExpiryUnit unit = ExpiryUnit.None;
        int expiryArgument = 0;
        for (int i = 3; i < c.Request.Count; i++)
        {
            bool hasNext = i + 1 < c.Request.Count;
            if (c.Is(i, "NX"u8) && condition != SetCondition.IfPresent)
            {
                condition = SetCondition.IfAbsent;
            }
            else if (c.Is(i, "XX"u8) && condition != SetCondition.IfAbsent)
            {
                condition = SetCondition.IfPresent;
            }
            else if (c.Is(i, "GET"u8))
            {
                get = true;
            }
            else if (c.Is(i, "KEEPTTL"u8) && unit == ExpiryUnit.None)
            {
                keepTtl = true;
            }
            else if (!keepTtl && hasNext && TryUnit(c, i, out ExpiryUnit given) && (unit == ExpiryUnit.None || unit == given))
            {
                unit = given;
                expiryArgument = ++i;
            }
            else
            {
                c.Writer.Error("ERR syntax error");
                return Done;
            }
        }

        // The clock is read only for an expiry: a plain SET needs none (the read was ~1 % of a pipelined SET's profile).
        long absolute = 0;
        if (unit != ExpiryUnit.None && !TryDeadline(c, expiryArgument, unit, c.Server.Store.Clock.NowMs(), "set", out absolute))
        {
            return Done;
        }

        if (condition == SetCondition.Always && !keepTtl && !get)
        {
            c.Server.Store.SetUnconditionally(key, c.Request[2], absolute);
            c.Writer.Ok();
            return Done;
        }

        using StoreReadScope scope = c.Server.Store.BeginRead();
        bool stored = c.Server.Store.SetIf(scope, key, c.Request[2], absolute, condition, keepTtl, out bool hadPrevious, out ReadOnlySpan<byte> previous);
        if (get)
        {
            if (!hadPrevious)
            {
                c.Writer.Null();
            }
            else
            {
                c.Writer.Bulk(previous);
            }
        }
        else if (stored)
        {
            c.Writer.Ok();
        }
        else
        {
            c.Writer.Null();
        }

        return Done;
    }

    /// <summary>
    /// Redis's <c>getExpireMillisecondsOrReply</c>: an integer, positive, not overflowing once in milliseconds and
    /// made absolute; otherwise "invalid expire time in '<paramref name="command"/>' command".
    /// </summary>
    internal static bool TryDeadline(RespConnection c, int index, ExpiryUnit unit, long nowMs, string command, out long absoluteMs)
    {
        absoluteMs = 0;
        if (!c.TryInteger(index, out long value))
        {
            return false;
        }

        bool seconds = unit is ExpiryUnit.Seconds or ExpiryUnit.UnixSeconds;
        if (value <= 0 || (seconds && value > long.MaxValue / 1000))
        {
            c.Writer.Error($"ERR invalid expire time in '{command}' command");
            return false;
        }

        long ms = seconds ? value * 1000 : value;
        if (unit is ExpiryUnit.Seconds or ExpiryUnit.Milliseconds)
        {
            if (ms > long.MaxValue - nowMs)
            {
                c.Writer.Error($"ERR invalid expire time in '{command}' command");
                return false;
            }

            ms += nowMs;
        }

        absoluteMs = ms;
        return true;
    }

    private static bool TryUnit(RespConnection c, int i, out ExpiryUnit unit)
    {
        unit = c.Is(i, "EX"u8) ? ExpiryUnit.Seconds
            : c.Is(i, "PX"u8) ? ExpiryUnit.Milliseconds
            : c.Is(i, "EXAT"u8) ? ExpiryUnit.UnixSeconds
            : c.Is(i, "PXAT"u8) ? ExpiryUnit.UnixMilliseconds
            : ExpiryUnit.None;
        return unit != ExpiryUnit.None;
    }
}

/// <summary>How an expiry argument counts: relative (EX/PX) or absolute unix time (EXAT/PXAT).</summary>
internal enum ExpiryUnit
{
    None,
    Seconds,
    Milliseconds,
    UnixSeconds,
    UnixMilliseconds,
}
