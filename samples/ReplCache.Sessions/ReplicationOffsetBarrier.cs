using System.Diagnostics;
using System.Globalization;

namespace ReplCache.Sessions;

/// <summary>
/// Read-your-writes for a user whose requests land on any instance. After a cart change the instance that made it
/// gives the client a cookie naming the replication offset that holds the change; on the next request, whichever
/// instance gets it waits until its own replica has applied that offset before the session is loaded.
/// </summary>
/// <remarks>
/// <para>Why it is needed: a forwarded <c>SetAsync</c> returns once the instance that forwarded it has applied the
/// primary's offset, and a write on the primary returns once the primary has it — neither waits for the other
/// secondaries. The next request of the same user can reach one of them before replication has, and without this
/// barrier it would load the previous cart: a stale read, and worse, an add made there would start from that stale
/// cart and its commit would overwrite the lost item for good.</para>
/// <para>Offsets of one replication history are comparable on every node of it (a secondary's offset is the
/// primary's offset it has applied), so the comparison is a number comparison. After a failover or a primary
/// restarted without its history the token names another history; the barrier then cannot tell and lets the
/// request through, as an application without the barrier would.</para>
/// </remarks>
internal sealed class ReplicationOffsetBarrier(RequestDelegate next, IReplicationControl replication)
{
    /// <summary>The cookie with the offset of the user's last cart change: <c>{replication id}.{offset}</c>.</summary>
    public const string CookieName = "ReplCache.Sessions.Offset";

    /// <summary>Response header set when the request had to wait for this replica: the wait in microseconds.</summary>
    public const string WaitHeader = "X-Replication-Wait-Us";

    /// <summary>
    /// The longest a request waits for this replica. Replication takes tens of microseconds; a replica still behind
    /// after 2 s is cut off or badly overloaded, and answering 503 (another instance will serve the retry) is better
    /// than serving, or overwriting, a stale cart.
    /// </summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(2);

    /// <summary>
    /// While the wait is shorter than this, the request re-checks after yielding the thread instead of after a
    /// timer tick: a tick is about a millisecond, many times the usual replication delay.
    /// </summary>
    private static readonly TimeSpan YieldingPhase = TimeSpan.FromMilliseconds(1);

    public static void IssueToken(HttpContext http, IReplicationControl replication)
    {
        // Read after the commit returned: on the primary the log already holds the write, on a secondary the
        // forwarded write has been applied here, so this offset is at or past the write's own.
        ReplicationInfo info = replication.GetInfo();
        http.Response.Cookies.Append(
            CookieName,
            string.Create(CultureInfo.InvariantCulture, $"{info.ReplicationId}.{info.Offset}"),
            new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Lax, Path = "/", IsEssential = true });
    }

    public async Task InvokeAsync(HttpContext context)
    {
        if (ParseToken(context.Request.Cookies[CookieName]) is { } token)
        {
            long started = Stopwatch.GetTimestamp();
            ReplicationInfo info = replication.GetInfo();
            if (IsSameHistory(token, info) && info.Offset < token.Offset)
            {
                while (info.Offset < token.Offset)
                {
                    TimeSpan waited = Stopwatch.GetElapsedTime(started);
                    if (waited > Deadline)
                    {
                        context.Response.Headers.RetryAfter = "1";
                        await Results.Problem(
                            $"This instance has applied replication offset {info.Offset}, but your last change is at {token.Offset}; it did not catch up within {Deadline.TotalSeconds:0} s.",
                            statusCode: StatusCodes.Status503ServiceUnavailable,
                            title: "This instance is behind the primary").ExecuteAsync(context);
                        return;
                    }

                    if (waited < YieldingPhase)
                    {
                        await Task.Yield();
                    }
                    else
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(1), context.RequestAborted);
                    }

                    info = replication.GetInfo();
                }

                context.Response.Headers[WaitHeader] = ((long)Stopwatch.GetElapsedTime(started).TotalMicroseconds).ToString(CultureInfo.InvariantCulture);
            }
        }

        await next(context);
    }

    private static bool IsSameHistory((string ReplicationId, long Offset) token, ReplicationInfo info) =>
        token.ReplicationId == info.ReplicationId
        || (token.ReplicationId == info.ReplicationId2 && token.Offset <= info.SecondOffset); // promoted: the old history continues up to SecondOffset

    private static (string ReplicationId, long Offset)? ParseToken(string? cookie)
    {
        int dot = cookie?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        return dot > 0 && long.TryParse(cookie.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out long offset)
            ? (cookie![..dot], offset)
            : null; // none yet (no change made), or not ours: nothing to wait for
    }
}
