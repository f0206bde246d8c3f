using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using ReplCache.Tests.AspNetCore;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Hosting;

/// <summary>AddKeyedReplicatedCache: several independent caches in one process, beside the unkeyed one.</summary>
public class KeyedCacheTests
{
    private static readonly string[] Groups = ["orders", "sessions"];

    [Fact]
    public async Task KeyedGroups_NeverSeeEachOthersKeys_AndCoexistWithTheUnkeyedCache()
    {
        await using TestApp first = await StartInstanceAsync(primaryOf: null);
        await using TestApp second = await StartInstanceAsync(primaryOf: first);
        foreach (string group in Groups)
        {
            await TestApp.WaitInSyncAsync(first.Control(group), second.Control(group));
        }

        for (int i = 0; i < 20; i++)
        {
            (await first.Http.PostAsync($"/orders/order-{i}", null)).EnsureSuccessStatusCode();
            (await second.Http.PostAsync($"/sessions/session-{i}", null)).EnsureSuccessStatusCode(); // on its secondary: forwarded
        }

        (await first.Http.PostAsync("/default/plain", null)).EnsureSuccessStatusCode();
        foreach (string group in Groups)
        {
            await TestApp.WaitInSyncAsync(first.Control(group), second.Control(group));
        }

        await TestApp.WaitInSyncAsync(first.Control(), second.Control());
        foreach (TestApp instance in new[] { first, second })
        {
            Assert.Equal(Enumerable.Range(0, 20).Select(i => $"order-{i}").Order(), instance.Cache("orders").GetKeys().Order());
            Assert.Equal(Enumerable.Range(0, 20).Select(i => $"session-{i}").Order(), instance.Cache("sessions").GetKeys().Order());
            Assert.Equal(["plain"], instance.Cache().GetKeys());
            Assert.Equal("order-3", await instance.Http.GetStringAsync("/orders/order-3"));
            Assert.Equal(404, (int)(await instance.Http.GetAsync("/sessions/order-3")).StatusCode);
        }

        // Three nodes per instance, each with its own listener and identity.
        Uri[] listeners = [first.ReplicationAddress(), first.ReplicationAddress("orders"), first.ReplicationAddress("sessions")];
        Assert.Equal(3, listeners.Distinct().Count());
        Assert.Equal(3, new[] { first.Control().GetInfo().NodeId, first.Control("orders").GetInfo().NodeId, first.Control("sessions").GetInfo().NodeId }.Distinct().Count());
    }

    [Fact]
    public async Task MetricsAndHealthChecks_TellTheGroupsApart()
    {
        await using TestApp first = await StartInstanceAsync(primaryOf: null);
        await using TestApp second = await StartInstanceAsync(primaryOf: first);
        await TestApp.WaitInSyncAsync(first.Control("orders"), second.Control("orders"));
        for (int i = 0; i < 3; i++)
        {
            first.Cache("orders").SetString($"o{i}", "x");
        }

        first.Cache("sessions").SetString("s", "x");

        var entries = new Dictionary<string, long>();
        IMeterFactory meters = first.Services.GetRequiredService<IMeterFactory>();
        using (var listener = new MeterListener())
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, meters) && instrument.Meter.Name == "ReplCache" && instrument.Name == ReplCacheInstruments.Entries)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            {
                string name = instrument.Meter.Tags?.FirstOrDefault(t => t.Key == ReplCacheInstruments.CacheNameTag).Value as string ?? "(unkeyed)";
                entries[name] = value;
            });
            listener.Start();
            listener.RecordObservableInstruments();
        }

        Assert.Equal(3, entries["orders"]);
        Assert.Equal(1, entries["sessions"]);
        Assert.Equal(0, entries["(unkeyed)"]);

        HealthReport report = await second.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal("orders", report.Entries["replcache-orders"].Data["cache_name"]);
        Assert.Equal("sessions", report.Entries["replcache-sessions"].Data["cache_name"]);
        Assert.Equal(HealthStatus.Healthy, report.Entries["replcache-orders"].Status);
        Assert.Equal("slave", report.Entries["replcache-orders"].Data["role"]);
    }

    [Fact]
    public async Task HybridCache_OnAKeyedGroup_ByItsDistributedCacheServiceKey_ServesAndKeepsL1Coherent()
    {
        await using TestApp first = await StartInstanceAsync(primaryOf: null, hybridOn: "orders");
        await using TestApp second = await StartInstanceAsync(primaryOf: first, hybridOn: "orders");
        HybridCache writer = first.Services.GetRequiredService<HybridCache>();
        HybridCache reader = second.Services.GetRequiredService<HybridCache>();
        var longL1 = new HybridCacheEntryOptions { Expiration = TimeSpan.FromMinutes(30), LocalCacheExpiration = TimeSpan.FromMinutes(30) };

        await writer.SetAsync("order:7", "open", longL1);
        Assert.NotNull(first.Cache("orders").Get("order:7")); // L2 is the keyed group...
        Assert.Null(first.Cache().Get("order:7"));           // ...not the unkeyed cache
        await TestApp.WaitInSyncAsync(first.Control("orders"), second.Control("orders"));
        int factoryCalls = 0;
        Assert.Equal("open", await reader.GetOrCreateAsync("order:7", _ => { factoryCalls++; return ValueTask.FromResult("made here"); }, longL1));

        await writer.SetAsync("order:7", "shipped", longL1);
        await Poll.UntilAsync(
            () => reader.GetOrCreateAsync("order:7", _ => { factoryCalls++; return ValueTask.FromResult("made here"); }, longL1).AsTask().GetAwaiter().GetResult() == "shipped",
            "the secondary's HybridCache to serve the new value of the keyed group");
        Assert.Equal(0, factoryCalls);
    }

    [Fact]
    public async Task AKeyedCacheWithoutListen_FailsAtStartup_NamingTheSettingAndTheCache()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => TestApp.StartAsync(
            services => services.AddKeyedReplicatedCache("reports", o => o.HeartbeatInterval = TimeSpan.FromMilliseconds(200)),
            _ => { }));
        Assert.Contains("ReplicatedCacheOptions.Listen", error.Message);
        Assert.Contains("'reports'", error.Message);
    }

    [Fact]
    public async Task AKeyedCache_BindsItsOwnSection()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ReplCache:Reports:Listen"] = "http://127.0.0.1:0",
            ["ReplCache:Reports:NodeId"] = "reports-1",
            ["ReplCache:Reports:SizeLimitBytes"] = "1048576",
        }).Build();
        await using TestApp app = await TestApp.StartAsync(
            services => services
                .AddKeyedReplicatedCache("reports", configuration.GetSection("ReplCache:Reports"))
                .AddReplicatedCache(o => TestApp.NodeOptions(o)),
            _ => { });

        Assert.Equal("reports-1", app.Control("reports").GetInfo().NodeId);
        Assert.NotEqual("reports-1", app.Control().GetInfo().NodeId);
        Assert.Equal(1048576, app.Services.GetRequiredService<IOptionsMonitor<ReplicatedCacheOptions>>().Get("reports").SizeLimitBytes);
    }

    [Fact]
    public void TwoKeysWithTheSameName_AreRefused()
    {
        var services = new ServiceCollection().AddKeyedReplicatedCache("7", o => TestApp.NodeOptions(o));
        Assert.Throws<ArgumentException>(() => services.AddKeyedReplicatedCache(7, o => TestApp.NodeOptions(o)));
        services.AddKeyedReplicatedCache("7", o => o.NodeId = "seven"); // the same key again: the configurations add up
        Assert.Single(services, d => d.IsKeyedService && Equals(d.ServiceKey, "7") && d.ServiceType == typeof(ReplicatedCache));
    }

    /// <summary>
    /// An instance with the unkeyed cache and two keyed ones; <paramref name="primaryOf"/> null makes it the primary of
    /// all three, otherwise a secondary (forwarding its writes) of that instance's three.
    /// </summary>
    private static Task<TestApp> StartInstanceAsync(TestApp? primaryOf, string? hybridOn = null) =>
        TestApp.StartAsync(
            services =>
            {
                services.AddReplicatedCache(o => TestApp.NodeOptions(o, primaryOf?.ReplicationAddress()));
                foreach (string group in Groups)
                {
                    services.AddKeyedReplicatedCache(group, o =>
                    {
                        TestApp.NodeOptions(o, primaryOf?.ReplicationAddress(group));
                        o.ReplicaWrites = ReplicaWriteMode.ForwardToPrimary;
                    });
                }

                services.AddHealthChecks().AddKeyedReplicatedCache("orders").AddKeyedReplicatedCache("sessions");
                if (hybridOn is not null)
                {
                    services.AddHybridCache(o => o.DistributedCacheServiceKey = hybridOn);
                }
            },
            app =>
            {
                app.MapPost("/{group}/{key}", async (string group, string key, HttpContext http) =>
                {
                    await Cache(http, group).SetStringAsync(key, key);
                    return Results.Ok();
                });
                app.MapGet("/{group}/{key}", async (string group, string key, HttpContext http) =>
                    await Cache(http, group).GetStringAsync(key) is { } value ? Results.Text(value) : Results.NotFound());
            });

    private static IDistributedCache Cache(HttpContext http, string group) => group == "default"
        ? http.RequestServices.GetRequiredService<IDistributedCache>()
        : http.RequestServices.GetRequiredKeyedService<IDistributedCache>(group);
}
