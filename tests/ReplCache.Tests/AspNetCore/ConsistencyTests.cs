using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.AspNetCore;

/// <summary>UseReplicatedCacheConsistency: read-your-writes across instances, with real Kestrel apps and real nodes.</summary>
public class ConsistencyTests
{
    private const string Header = ReplicatedCacheConsistencyOptions.PositionName;

    [Fact]
    public async Task TwoHundredWriteThenReadPairs_AcrossThreeInstances_SeeNoStaleRead()
    {
        await using TestApp primary = await StartInstanceAsync(primary: null);
        await using TestApp second = await StartInstanceAsync(primary.ReplicationAddress());
        await using TestApp third = await StartInstanceAsync(primary.ReplicationAddress());
        await TestApp.WaitInSyncAsync(primary.Control(), second.Control(), third.Control());
        TestApp[] instances = [primary, second, third];

        int stale = 0;
        for (int pair = 0; pair < 200; pair++)
        {
            // The same key every time: a stale read sees the previous pair's value, never a 404 that could hide it.
            TestApp writer = instances[pair % 3], reader = instances[(pair + 1) % 3];
            using HttpResponseMessage written = await writer.Http.PostAsync($"/put/cart/{pair}", null);
            written.EnsureSuccessStatusCode();
            string position = Assert.Single(written.Headers.GetValues(Header));

            using var read = new HttpRequestMessage(HttpMethod.Get, "/get/cart");
            read.Headers.Add(Header, position);
            using HttpResponseMessage answer = await reader.Http.SendAsync(read);
            answer.EnsureSuccessStatusCode();
            if (await answer.Content.ReadAsStringAsync() != pair.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                stale++;
            }
        }

        Assert.Equal(0, stale);
    }

    [Fact]
    public async Task WriteResponse_CarriesThePositionAsHeaderAndCookie_ReadResponseCarriesNone()
    {
        await using TestApp primary = await StartInstanceAsync(primary: null);

        using HttpResponseMessage written = await primary.Http.PostAsync("/put/k/v", null);
        string position = Assert.Single(written.Headers.GetValues(Header));
        ReplicationInfo info = primary.Control().GetInfo();
        Assert.Equal($"{info.ReplicationId}:{info.Offset}", position);
        string cookie = Assert.Single(written.Headers.GetValues("Set-Cookie"), c => c.StartsWith(Header + "=", StringComparison.Ordinal));
        Assert.Contains(Uri.EscapeDataString(position), cookie);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);

        using HttpResponseMessage read = await primary.Http.GetAsync("/get/k");
        Assert.False(read.Headers.Contains(Header));
    }

    [Fact]
    public async Task RequestWithAPositionAheadOfThisNode_WaitsUntilApplied_ByCookieToo()
    {
        await using StalledPair pair = await StartStalledPairAsync(TimeSpan.FromSeconds(30));
        (TestApp primary, TcpFaultProxy proxy, TestApp secondary) = (pair.Primary, pair.Proxy, pair.Secondary);
        using HttpResponseMessage written = await primary.Http.PostAsync("/put/price/42", null);
        string position = Assert.Single(written.Headers.GetValues(Header));
        Assert.Null(secondary.Cache().GetString("price")); // behind: exactly the case the middleware is for

        using var read = new HttpRequestMessage(HttpMethod.Get, "/get/price");
        read.Headers.Add("Cookie", $"{Header}={Uri.EscapeDataString(position)}");
        Task<HttpResponseMessage> answering = secondary.Http.SendAsync(read);
        await Poll.UntilAsync(() => secondary.Services.GetRequiredService<WaitCounter>().Waiting > 0, "the read to be held by the middleware");
        Assert.False(answering.IsCompleted);

        proxy.Resume();
        using HttpResponseMessage answer = await answering;
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("42", await answer.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task RequestWithAPositionNotAppliedWithinMaxWait_Gets503WithRetryAfter()
    {
        await using StalledPair pair = await StartStalledPairAsync(TimeSpan.FromMilliseconds(200));
        (TestApp primary, TcpFaultProxy proxy, TestApp secondary) = (pair.Primary, pair.Proxy, pair.Secondary);
        using HttpResponseMessage written = await primary.Http.PostAsync("/put/price/43", null);
        using var read = new HttpRequestMessage(HttpMethod.Get, "/get/price");
        read.Headers.Add(Header, Assert.Single(written.Headers.GetValues(Header)));
        using HttpResponseMessage answer = await secondary.Http.SendAsync(read);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
        Assert.Equal("1", answer.Headers.RetryAfter?.ToString());
        Assert.Equal(0, secondary.Services.GetRequiredService<WaitCounter>().EndpointRuns); // the endpoint never ran on stale data
    }

    [Fact]
    public async Task APositionOfAHistoryNoNodeContinues_IsServedAfterMaxWait_AndItsCookieDropped()
    {
        await using TestApp primary = await StartInstanceAsync(primary: null, o => o.MaxWait = TimeSpan.FromMilliseconds(100));
        primary.Cache().SetString("k", "v"); // not over HTTP: this client's cookie jar holds no position of its own

        // As after the whole group restarted without its data: the client still holds a position of the old history.
        using var read = new HttpRequestMessage(HttpMethod.Get, "/get/k");
        read.Headers.Add("Cookie", $"{Header}={new string('b', 40)}:123456");
        using HttpResponseMessage answer = await primary.Http.SendAsync(read);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("v", await answer.Content.ReadAsStringAsync());
        string dropped = Assert.Single(answer.Headers.GetValues("Set-Cookie"), c => c.StartsWith(Header + "=", StringComparison.Ordinal));
        Assert.Contains("expires=Thu, 01 Jan 1970", dropped, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task MaxWaitOutOfRange_FailsWhenThePipelineIsBuilt_NamingTheSetting()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartInstanceAsync(primary: null, o => o.MaxWait = TimeSpan.Zero));
        Assert.Contains("ReplicatedCacheConsistencyOptions.MaxWait", error.Message);
    }

    /// <summary>
    /// A primary instance and a secondary instance that replicates through a proxy, in sync, then stalled: the
    /// secondary hears nothing more from its primary until the proxy resumes.
    /// </summary>
    private static async Task<StalledPair> StartStalledPairAsync(TimeSpan maxWait)
    {
        TestApp primary = await StartInstanceAsync(primary: null);
        var proxy = new TcpFaultProxy(primary.ReplicationAddress());
        TestApp secondary = await StartInstanceAsync(proxy.Address, o => o.MaxWait = maxWait);
        await TestApp.WaitInSyncAsync(primary.Control(), secondary.Control());
        proxy.Stall();
        return new StalledPair(primary, proxy, secondary);
    }

    /// <summary>An instance of the app under test: a cart value in ReplCache, secondaries forwarding their writes.</summary>
    private static Task<TestApp> StartInstanceAsync(Uri? primary, Action<ReplicatedCacheConsistencyOptions>? consistency = null) =>
        TestApp.StartAsync(
            services =>
            {
                services.AddReplicatedCache(o =>
                {
                    TestApp.NodeOptions(o, primary);
                    o.ReplicaWrites = ReplicaWriteMode.ForwardToPrimary;
                });
                services.AddSingleton<WaitCounter>();
            },
            app =>
            {
                WaitCounter counter = app.Services.GetRequiredService<WaitCounter>();
                app.Use(async (context, next) =>
                {
                    Interlocked.Increment(ref counter.Waiting); // outside the middleware: counts requests it holds
                    try
                    {
                        await next(context);
                    }
                    finally
                    {
                        Interlocked.Decrement(ref counter.Waiting);
                    }
                });
                app.UseReplicatedCacheConsistency(consistency);
                app.Use(async (context, next) =>
                {
                    Interlocked.Decrement(ref counter.Waiting); // past the middleware: no longer held
                    Interlocked.Increment(ref counter.EndpointRuns);
                    try
                    {
                        await next(context);
                    }
                    finally
                    {
                        Interlocked.Increment(ref counter.Waiting);
                    }
                });
                app.MapPost("/put/{key}/{value}", async (string key, string value, IDistributedCache cache) =>
                {
                    await cache.SetStringAsync(key, value);
                    return Results.Ok();
                });
                app.MapGet("/get/{key}", async (string key, IDistributedCache cache) =>
                    await cache.GetStringAsync(key) is { } value ? Results.Text(value) : Results.NotFound());
            });

    private sealed record StalledPair(TestApp Primary, TcpFaultProxy Proxy, TestApp Secondary) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Proxy.Resume();
            await Secondary.DisposeAsync();
            await Proxy.DisposeAsync();
            await Primary.DisposeAsync();
        }
    }

    /// <summary>How many requests the consistency middleware holds right now, and how many got past it.</summary>
    private sealed class WaitCounter
    {
        public int Waiting;
        public int EndpointRuns;
    }
}
