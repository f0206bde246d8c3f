using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ReplCache.AspNetCore.Consistency;

/// <summary>
/// Read-your-writes across instances: a request that brings a <see cref="ReplicatedCacheConsistencyOptions.PositionName"/>
/// (header or cookie) waits until this node has applied that position; a response to a request that wrote through
/// this node's cache carries this node's position after the write, as a header and a cookie.
/// </summary>
/// <remarks>
/// <para>Why: a write returns once the node that made it has it (the primary's own, or a forwarded write this
/// secondary has applied) — no other secondary is waited for. The user's next request may reach one of them before
/// replication has, and would read, or worse, read-modify-write, what the user just replaced.</para>
/// <para>The position is read after the request's writes, when the response starts: the log already holds them there,
/// so the position is at or past each write's own offset, and positions of one history compare as numbers on every
/// node of it (<see cref="IReplicationControl.WaitForOffsetAsync"/> also accepts an earlier history that continues
/// into this node's, as after a promotion).</para>
/// <para>A write made after the response has started (a session the session middleware commits at the very end) is
/// too late to be stamped; commit before writing the body.</para>
/// </remarks>
internal sealed partial class ConsistencyMiddleware(RequestDelegate next, IReplicationControl replication, ReplicatedCacheConsistencyOptions options, ILogger logger)
{
    /// <summary>The <c>Server-Timing</c> metric a response carries when its request had to wait: <c>replcache;dur=&lt;ms&gt;</c>.</summary>
    internal const string ServerTimingMetric = "replcache";

    public async Task InvokeAsync(HttpContext context)
    {
        if (TryReadPosition(context.Request, out ReplicationPosition position)
            && !await WaitAsync(context, position).ConfigureAwait(false))
        {
            ReplicationInfo info = replication.GetInfo();
            if (position.ReplicationId != info.ReplicationId && position.ReplicationId != info.ReplicationId2)
            {
                // A history this node does not know and did not continue into within MaxWait: from before a restart
                // that lost the data, or from another group. Nothing can be compared; holding or refusing every
                // request of this client until it writes again would be an outage, so it goes through, and the
                // cookie, which can never be honoured, is dropped.
                Log.UnknownHistory(logger, info.NodeId, position.ToString(), ReplicationPosition.Of(info).ToString());
                context.Response.Cookies.Delete(ReplicatedCacheConsistencyOptions.PositionName, new CookieOptions { Path = "/" });
            }
            else if (!options.ServeStaleAfterMaxWait)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.Headers.RetryAfter = "1";
                await context.Response.WriteAsync(
                    $"This instance has not applied replication position {position} (it is at {ReplicationPosition.Of(info)}) within {options.MaxWait.TotalMilliseconds:0} ms; retry, on any instance.",
                    context.RequestAborted).ConfigureAwait(false);
                Log.Behind(logger, info.NodeId, position.ToString(), ReplicationPosition.Of(info).ToString(), options.MaxWait.TotalMilliseconds);
                return;
            }
            else
            {
                Log.Behind(logger, info.NodeId, position.ToString(), ReplicationPosition.Of(info).ToString(), options.MaxWait.TotalMilliseconds);
            }
        }

        RequestWriteTracker.WriteMark mark = RequestWriteTracker.Open();
        context.Response.OnStarting(StampIfWritten, (context, mark, replication));
        await next(context).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits for <paramref name="position"/>; a request that had to wait says how long in <c>Server-Timing</c>, which
    /// browsers' developer tools and load generators read, so "behind" is visible without logs.
    /// </summary>
    private async Task<bool> WaitAsync(HttpContext context, ReplicationPosition position)
    {
        long started = Stopwatch.GetTimestamp();
        Task<bool> waiting = replication.WaitForOffsetAsync(position.ReplicationId, position.Offset, options.MaxWait, context.RequestAborted);
        if (waiting.IsCompleted)
        {
            return await waiting.ConfigureAwait(false); // applied already: the usual case, nothing to report
        }

        bool applied = await waiting.ConfigureAwait(false);
        double waitedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        context.Response.Headers.Append("Server-Timing", string.Create(CultureInfo.InvariantCulture, $"{ServerTimingMetric};dur={waitedMs:0.###}"));
        return applied;
    }

    private static Task StampIfWritten(object state)
    {
        (HttpContext context, RequestWriteTracker.WriteMark mark, IReplicationControl replication) = ((HttpContext, RequestWriteTracker.WriteMark, IReplicationControl))state;
        if (mark.Wrote)
        {
            string position = ReplicationPosition.Of(replication.GetInfo()).ToString();
            context.Response.Headers[ReplicatedCacheConsistencyOptions.PositionName] = position;
            context.Response.Cookies.Append(ReplicatedCacheConsistencyOptions.PositionName, position, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Lax,
                Path = "/",
                Secure = context.Request.IsHttps,
                IsEssential = true, // without it a cookie-consent policy would drop it, and read-your-writes with it
            });
        }

        return Task.CompletedTask;
    }

    /// <summary>The header wins over the cookie: a client that sends one explicitly knows which write it follows.</summary>
    private static bool TryReadPosition(HttpRequest request, out ReplicationPosition position) =>
        ReplicationPosition.TryParse(request.Headers[ReplicatedCacheConsistencyOptions.PositionName].ToString(), out position)
        || ReplicationPosition.TryParse(request.Cookies[ReplicatedCacheConsistencyOptions.PositionName], out position);
}
