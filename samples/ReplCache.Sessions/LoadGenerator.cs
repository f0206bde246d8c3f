using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using static System.FormattableString;

namespace ReplCache.Sessions;

/// <summary>
/// Simulated shoppers with no sticky routing: every request of a user goes to the next instance. A user adds an item
/// on one instance, reads the cart on the next, adds on the next, and so on; every reply is checked against the items
/// the user has added so far. Prints what it measured and returns 0 only if every read saw all of its session's items
/// (at once or within the deadline) and no request failed.
/// </summary>
internal static class LoadGenerator
{
    /// <summary>How long a read that came back stale is retried on the same instance before the check fails.</summary>
    private static readonly TimeSpan StaleReadDeadline = TimeSpan.FromSeconds(2);

    public static async Task<int> RunAsync(SessionsSettings settings)
    {
        // One HttpClient, one connection pool for all users. Cookies are handled here rather than by the handler:
        // a handler has one CookieContainer, which would put every simulated user in the same session. Each user
        // has a CookieContainer of its own instead, and its cookies travel to every instance (cookies are per host,
        // not per port, so the session cookie set by :5200 goes to :5201 too, as a browser would send it).
        using var http = new HttpClient(new SocketsHttpHandler
        {
            UseCookies = false,
            MaxConnectionsPerServer = settings.Concurrency,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        })
        {
            Timeout = TimeSpan.FromSeconds(10), // a hung instance fails its requests rather than the whole run
        };
        Uri[] instances = [.. settings.Instances.Select(p => new Uri($"http://127.0.0.1:{p}"))];
        var shoppers = new Shoppers(http, instances, settings.RequestsPerUser, settings.SendOffsetToken);

        // Untimed but checked: the first requests pay for JIT compilation and connection set-up on every instance,
        // and with a few hundred timed samples they would be the whole p99. Numbered after the timed users, so that
        // no two users share item names.
        var warmUp = new LoadResults();
        await RunUsersAsync(shoppers, Enumerable.Range(settings.Users, settings.Concurrency), settings.Concurrency, warmUp);

        var results = new LoadResults();
        var clock = Stopwatch.StartNew();
        await RunUsersAsync(shoppers, Enumerable.Range(0, settings.Users), settings.Concurrency, results);
        clock.Stop();

        foreach (string failure in warmUp.Failures)
        {
            results.Failures.Add($"(warm-up) {failure}");
        }

        Print(settings, results, clock.Elapsed, warmUpUsers: settings.Concurrency);
        return results.Failures.IsEmpty ? 0 : 1; // a read that never caught up is a failure too
    }

    private static Task RunUsersAsync(Shoppers shoppers, IEnumerable<int> users, int concurrency, LoadResults results) =>
        Parallel.ForEachAsync(users, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (user, _) => await shoppers.ShopAsync(user, results));

    private static void Print(SessionsSettings settings, LoadResults r, TimeSpan elapsed, int warmUpUsers)
    {
        string roles = string.Join(", ", settings.Instances.Select(p => r.Roles.TryGetValue(p, out string? role) ? $"{p} ({role})" : $"{p} (no answer)"));
        int requests = r.AddMilliseconds.Count + r.ReadMilliseconds.Count;
        Console.WriteLine(Invariant($"instances {roles}; {settings.Users} users x {settings.RequestsPerUser} requests, {settings.Concurrency} users at a time, each request on the next instance"));
        Console.WriteLine($"position cookie {(settings.SendOffsetToken ? "sent back (instances wait for the user's last change)" : "withheld (instances serve whatever their replica holds)")}; {warmUpUsers} warm-up users before, checked but not timed");
        Console.WriteLine(Invariant($"requests          {requests} in {elapsed.TotalSeconds:F2} s ({r.AddMilliseconds.Count} adds, {r.ReadMilliseconds.Count} cross-instance reads), failures {r.Failures.Count}"));
        Console.WriteLine(Invariant($"adds              {r.AddsOnPrimary} made on the primary, {r.AddsForwarded} on a secondary (forwarded to the primary)"));
        Console.WriteLine(Invariant($"reads             {r.FreshFirstReads} saw every item on the first try, {r.StaleFirstReads.Count + r.StaleReadsNeverCaughtUp} did not (stale first reads)"));
        if (!r.StaleFirstReads.IsEmpty || r.StaleReadsNeverCaughtUp > 0)
        {
            Console.WriteLine(Invariant($"  stale reads     {r.StaleFirstReads.Count} saw every item on a retry to the same instance, this long after the first try: {Distribution(r.StaleFirstReads)}; {r.StaleReadsNeverCaughtUp} never within {StaleReadDeadline.TotalSeconds:0} s"));
        }

        if (!settings.SendOffsetToken)
        {
            Console.WriteLine("behind            not known to the instances: without the position cookie they cannot tell (the stale reads above, and any lost update below, are what that costs)");
        }
        else
        {
            Console.WriteLine(r.BarrierWaitMilliseconds.IsEmpty
                ? "behind            no request reached an instance that had not yet applied the user's last change"
                : Invariant($"behind            {r.BarrierWaitMilliseconds.Count} requests reached an instance that had not yet applied the user's last change; it held each until it had: {Distribution([.. r.BarrierWaitMilliseconds])}"));
        }

        Console.WriteLine($"add latency       {Distribution(r.AddMilliseconds)}   (POST /cart/add, commit included)");
        Console.WriteLine($"read latency      {Distribution(r.ReadMilliseconds)}   (GET /cart on another instance than the add, first try)");
        foreach (string failure in r.Failures.Take(10))
        {
            Console.WriteLine($"FAILED: {failure}");
        }

        Console.WriteLine(r.Failures.IsEmpty
            ? "check held: every read saw all of its session's items and no request failed"
            : "check FAILED");
    }

    private static string Distribution(IReadOnlyCollection<double> milliseconds)
    {
        if (milliseconds.Count == 0)
        {
            return "-";
        }

        double[] sorted = [.. milliseconds.Order()];
        double At(double quantile) => sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];
        return Invariant($"p50 {At(0.50):F2} ms, p99 {At(0.99):F2} ms, max {sorted[^1]:F2} ms");
    }

    /// <summary>The simulated users' behaviour: the request sequence, the checks, the measurements.</summary>
    private sealed class Shoppers(HttpClient http, Uri[] instances, int requestsPerUser, bool sendOffsetToken)
    {
        public async Task ShopAsync(int user, LoadResults results)
        {
            var cookies = new CookieContainer();
            var added = new List<string>();
            for (int request = 0; request < requestsPerUser; request++)
            {
                // No sticky routing: each request on the next instance, and users start on different instances, so
                // sessions are created and changed on the primary and on both secondaries.
                Uri instance = instances[(user + request) % instances.Length];
                if (request % 2 == 0)
                {
                    string item = Invariant($"user{user}-item{request / 2}");
                    Reply reply = await SendAsync(HttpMethod.Post, new Uri(instance, $"/cart/add/{item}"), cookies);
                    if (!results.Record(user, $"add of {item}", instance, reply, isAdd: true))
                    {
                        return; // the add may or may not have happened: this user's later checks would mean nothing
                    }

                    added.Add(item);
                    if (!reply.Cart!.Items.SequenceEqual(added))
                    {
                        // The instance loaded a cart without some earlier item, appended to it and committed it: the
                        // earlier item is gone for good (a lost update), so no later read can see it.
                        results.Failures.Add($"user {user}: the add of {item} on {instance.Port} started from a stale cart; the cart is now [{string.Join(", ", reply.Cart.Items)}], expected [{string.Join(", ", added)}]");
                        return;
                    }
                }
                else
                {
                    long started = Stopwatch.GetTimestamp();
                    Reply reply = await SendAsync(HttpMethod.Get, new Uri(instance, "/cart"), cookies);
                    if (!results.Record(user, "read", instance, reply, isAdd: false))
                    {
                        return;
                    }

                    if (reply.Cart!.Items.SequenceEqual(added))
                    {
                        Interlocked.Increment(ref results.FreshFirstReads);
                        continue;
                    }

                    // Stale: this instance has not applied the user's last change yet. Ask it again, with a deadline,
                    // and measure how long it takes to catch up.
                    while (!reply.Cart!.Items.SequenceEqual(added) && Stopwatch.GetElapsedTime(started) < StaleReadDeadline)
                    {
                        reply = await SendAsync(HttpMethod.Get, new Uri(instance, "/cart"), cookies);
                        if (reply.Cart is null)
                        {
                            results.Failures.Add($"user {user}: a retried read on {instance.Port} failed: {reply.Problem}");
                            return;
                        }
                    }

                    if (reply.Cart.Items.SequenceEqual(added))
                    {
                        results.StaleFirstReads.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    }
                    else
                    {
                        Interlocked.Increment(ref results.StaleReadsNeverCaughtUp);
                        results.Failures.Add($"user {user}: the cart on {instance.Port} is [{string.Join(", ", reply.Cart.Items)}] after {StaleReadDeadline.TotalSeconds:0} s, expected [{string.Join(", ", added)}]");
                        return;
                    }
                }
            }
        }

        private async Task<Reply> SendAsync(HttpMethod method, Uri uri, CookieContainer cookies)
        {
            using var request = new HttpRequestMessage(method, uri);
            string cookieHeader = cookies.GetCookieHeader(uri);
            if (cookieHeader.Length > 0)
            {
                request.Headers.Add("Cookie", cookieHeader);
            }

            long started = Stopwatch.GetTimestamp();
            try
            {
                using HttpResponseMessage response = await http.SendAsync(request);
                CartView? cart = response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<CartView>() : null;
                string? problem = response.IsSuccessStatusCode ? null : $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                double milliseconds = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                KeepCookies(response, uri, cookies);
                return new Reply(cart, problem, milliseconds, WaitedMilliseconds(response));
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return new Reply(null, ex.Message, Stopwatch.GetElapsedTime(started).TotalMilliseconds, null);
            }
        }

        /// <summary>
        /// How long the instance held the request until it had applied the user's last change: UseReplicatedCacheConsistency
        /// says so in <c>Server-Timing: replcache;dur=&lt;ms&gt;</c> when it had to wait; null when it did not.
        /// </summary>
        private static double? WaitedMilliseconds(HttpResponseMessage response)
        {
            if (!response.Headers.TryGetValues("Server-Timing", out IEnumerable<string>? timings))
            {
                return null;
            }

            foreach (string timing in timings.SelectMany(t => t.Split(',')))
            {
                string[] parts = timing.Trim().Split(';');
                if (parts[0] == "replcache" && parts.Skip(1).FirstOrDefault(p => p.StartsWith("dur=", StringComparison.Ordinal)) is { } duration)
                {
                    return double.Parse(duration[4..], CultureInfo.InvariantCulture);
                }
            }

            return null;
        }

        private void KeepCookies(HttpResponseMessage response, Uri uri, CookieContainer cookies)
        {
            if (!response.Headers.TryGetValues("Set-Cookie", out IEnumerable<string>? setCookies))
            {
                return;
            }

            foreach (string setCookie in setCookies)
            {
                // --offset-token withhold: behave as a client that drops the position cookie, to measure what the
                // replicas serve without the barrier.
                if (sendOffsetToken || !setCookie.StartsWith(ReplicatedCacheConsistencyOptions.PositionName + "=", StringComparison.Ordinal))
                {
                    cookies.SetCookies(uri, setCookie);
                }
            }
        }
    }

    /// <summary>One reply: the cart when the request succeeded, otherwise what went wrong.</summary>
    private sealed record Reply(CartView? Cart, string? Problem, double Milliseconds, double? ReplicationWaitMilliseconds);

    /// <summary>What all users measured, filled concurrently.</summary>
    private sealed class LoadResults
    {
        public readonly ConcurrentBag<double> AddMilliseconds = [];
        public readonly ConcurrentBag<double> ReadMilliseconds = [];
        public readonly ConcurrentBag<double> StaleFirstReads = [];
        public readonly ConcurrentBag<double> BarrierWaitMilliseconds = [];
        public readonly ConcurrentBag<string> Failures = [];
        public readonly ConcurrentDictionary<int, string> Roles = new();
        public int FreshFirstReads;
        public int StaleReadsNeverCaughtUp;
        public int AddsOnPrimary;
        public int AddsForwarded;

        /// <summary>Records a reply's figures; false (and a failure) when the request did not succeed.</summary>
        public bool Record(int user, string what, Uri instance, Reply reply, bool isAdd)
        {
            if (reply.Cart is null)
            {
                Failures.Add($"user {user}: {what} on {instance.Port} failed: {reply.Problem}");
                return false;
            }

            Roles.TryAdd(reply.Cart.Instance, reply.Cart.Role);
            (isAdd ? AddMilliseconds : ReadMilliseconds).Add(reply.Milliseconds);
            if (isAdd)
            {
                Interlocked.Increment(ref reply.Cart.Role == "primary" ? ref AddsOnPrimary : ref AddsForwarded);
            }

            if (reply.ReplicationWaitMilliseconds is { } waited)
            {
                BarrierWaitMilliseconds.Add(waited);
            }

            return true;
        }
    }
}
