using ReplCache.Storage;

namespace ReplCache.Resp.Commands;

/// <summary>
/// The older and multi-key string commands: SETNX, SETEX, PSETEX, MGET, MSET. Clients still send them —
/// StackExchange.Redis writes <c>StringSet(key, value, when: NotExists)</c> as SETNX and batches reads as MGET.
/// </summary>
internal static partial class StringCommands
{
    /// <summary><c>SETNX key value</c>: 1 when stored, 0 when the key existed.</summary>
    public static ValueTask<RespFlow> SetNx(RespConnection c)
    {
        if (c.TryEntry(1, 2, out ReadOnlySpan<byte> key))
        {
            bool stored = c.Server.Store.SetIf(key, c.Request[2], 0, SetCondition.IfAbsent, keepTtl: false);
            c.Writer.Integer(stored ? 1 : 0);
        }

        return Done;
    }

    /// <summary><c>SETEX key seconds value</c>.</summary>
    public static ValueTask<RespFlow> SetEx(RespConnection c) => SetWithExpiry(c, ExpiryUnit.Seconds, "setex");

    /// <summary><c>PSETEX key milliseconds value</c>.</summary>
    public static ValueTask<RespFlow> PSetEx(RespConnection c) => SetWithExpiry(c, ExpiryUnit.Milliseconds, "psetex");

    /// <summary><c>MGET key [key ...]</c>: a value or nil per key, in order.</summary>
    public static ValueTask<RespFlow> MGet(RespConnection c)
    {
        int keys = c.Request.Count - 1;
        for (int i = 1; i <= keys; i++)
        {
            if (!c.TryKey(i, out _))
            {
                return Done; // checked before the array header, so an error never lands inside the array
            }
        }

        c.Writer.ArrayHeader(keys);
        for (int i = 1; i <= keys; i++)
        {
            WriteLookup(c, c.Request[i]);
        }

        return Done;
    }

    /// <summary>
    /// <c>MSET key value [key value ...]</c>: every pair set, without expiry, in order. Unlike Redis's MSET, a reader
    /// on another connection may see some pairs set before the others (reads never take the store's write lock).
    /// </summary>
    public static ValueTask<RespFlow> MSet(RespConnection c)
    {
        if ((c.Request.Count - 1) % 2 != 0)
        {
            c.Writer.Error("ERR wrong number of arguments for 'mset' command");
            return Done;
        }

        for (int i = 1; i < c.Request.Count; i += 2)
        {
            if (!c.TryEntry(i, i + 1, out _))
            {
                return Done; // every key is checked before the first is written: all or nothing
            }
        }

        for (int i = 1; i < c.Request.Count; i += 2)
        {
            c.Server.Store.SetUnconditionally(c.Request[i], c.Request[i + 1], 0);
        }

        c.Writer.Ok();
        return Done;
    }

    private static ValueTask<RespFlow> SetWithExpiry(RespConnection c, ExpiryUnit unit, string command)
    {
        if (c.TryEntry(1, 3, out ReadOnlySpan<byte> key)
            && TryDeadline(c, 2, unit, c.Server.Store.Clock.NowMs(), command, out long absolute))
        {
            c.Server.Store.SetUnconditionally(key, c.Request[3], absolute);
            c.Writer.Ok();
        }

        return Done;
    }
}
