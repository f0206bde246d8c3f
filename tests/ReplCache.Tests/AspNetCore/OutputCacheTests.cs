using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.DependencyInjection;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.AspNetCore;

/// <summary>AddReplicatedOutputCache: output caching shared by three Kestrel instances of one app.</summary>
public class OutputCacheTests
{
    private const string EntryPrefix = "__replcache:outputcache:e:";

    [Fact]
    public async Task AResponseCachedByOneInstance_IsServedByEvery_AndEvictionByTagFromASecondary_EvictsOnEvery()
    {
        await using TestApp primary = await StartInstanceAsync(primary: null);
        await using TestApp first = await StartInstanceAsync(primary.ReplicationAddress());
        await using TestApp second = await StartInstanceAsync(primary.ReplicationAddress());
        await TestApp.WaitInSyncAsync(primary.Control(), first.Control(), second.Control());
        TestApp[] instances = [primary, first, second];
        foreach (TestApp instance in instances)
        {
            // As behind a load balancer: one public host name. Output caching keys a response by host and path, and
            // the instances' own ports differ.
            instance.Http.DefaultRequestHeaders.Host = "shop.example";
        }

        // Made and cached on a secondary whose ReplicaWrites is Reject: the store writes through the primary anyway.
        string made = await first.Http.GetStringAsync("/stamp");
        string untagged = await first.Http.GetStringAsync("/other-stamp/untagged"); // another entry, not tagged "stamps"
        // Output caching stores a response after sending it: wait for both entries to reach every instance.
        await Poll.UntilAsync(() => instances.All(i => i.Cache().GetKeys(EntryPrefix + "*").Count() == 2), "both cached responses to reach every instance");
        foreach (TestApp instance in instances)
        {
            Assert.Equal(made, await instance.Http.GetStringAsync("/stamp"));
        }


        (await second.Http.PostAsync("/evict/stamps", null)).EnsureSuccessStatusCode();
        // Returned once the eviction is applied on the secondary that made it; the others follow with replication.
        Assert.NotEqual(made, await second.Http.GetStringAsync("/stamp"));
        await TestApp.WaitInSyncAsync(primary.Control(), first.Control(), second.Control());
        foreach (TestApp instance in instances)
        {
            Assert.NotEqual(made, await instance.Http.GetStringAsync("/stamp"));
            Assert.Equal(untagged, await instance.Http.GetStringAsync("/other-stamp/untagged")); // other tags untouched
        }
    }

    [Fact]
    public async Task EvictingATag_IsOneReplicatedWrite_WhateverTheNumberOfEntries()
    {
        await using TestApp primary = await StartInstanceAsync(primary: null);
        IOutputCacheStore store = primary.Services.GetRequiredService<IOutputCacheStore>();
        for (int i = 0; i < 50; i++)
        {
            await store.SetAsync($"page-{i}", [1, 2, 3], ["catalog"], TimeSpan.FromMinutes(5), default);
        }

        long before = primary.Control().GetInfo().Offset;
        long keysBefore = primary.Cache().Count;
        await store.EvictByTagAsync("catalog", default);

        Assert.Equal(keysBefore + 1, primary.Cache().Count); // one key written (the tag's version), none removed one by one
        Assert.True(primary.Control().GetInfo().Offset > before);
        for (int i = 0; i < 50; i++)
        {
            Assert.Null(await store.GetAsync($"page-{i}", default));
        }

        await store.SetAsync("page-0", [4], ["catalog"], TimeSpan.FromMinutes(5), default);
        Assert.Equal([4], await store.GetAsync("page-0", default)); // stored after the eviction: valid
    }

    [Fact]
    public async Task OnAKeyedGroup_EntriesLiveInThatGroupOnly()
    {
        await using TestApp app = await TestApp.StartAsync(
            services => services
                .AddReplicatedCache(o => TestApp.NodeOptions(o))
                .AddKeyedReplicatedCache("pages", o => TestApp.NodeOptions(o))
                .AddReplicatedOutputCache("pages"),
            _ => { });
        IOutputCacheStore store = app.Services.GetRequiredService<IOutputCacheStore>();

        await store.SetAsync("home", [7], ["site"], TimeSpan.FromMinutes(1), default);

        Assert.Equal([7], await store.GetAsync("home", default));
        Assert.Single(app.Cache("pages").GetKeys(EntryPrefix + "*"));
        Assert.Empty(app.Cache().GetKeys(EntryPrefix + "*"));
    }

    [Fact]
    public void WithoutTheCacheItNames_ResolvingTheStoreSaysWhatToRegister()
    {
        using ServiceProvider services = new ServiceCollection().AddLogging().AddReplicatedOutputCache("pages").BuildServiceProvider();
        var error = Assert.Throws<InvalidOperationException>(() => services.GetRequiredService<IOutputCacheStore>());
        Assert.Contains("AddKeyedReplicatedCache(\"pages\"", error.Message);
    }

    private static Task<TestApp> StartInstanceAsync(Uri? primary) =>
        TestApp.StartAsync(
            services =>
            {
                services.AddReplicatedCache(o => TestApp.NodeOptions(o, primary)); // ReplicaWrites left at Reject
                services.AddReplicatedOutputCache();
            },
            app =>
            {
                app.UseOutputCache();
                app.MapGet("/stamp", () => Guid.NewGuid().ToString())
                    .CacheOutput(p => p.Expire(TimeSpan.FromMinutes(5)).Tag("stamps"));
                app.MapGet("/other-stamp/{name}", (string name) => $"{name} {Guid.NewGuid()}")
                    .CacheOutput(p => p.Expire(TimeSpan.FromMinutes(5)).Tag("others"));
                app.MapPost("/evict/{tag}", async (string tag, IOutputCacheStore store, CancellationToken cancellationToken) =>
                {
                    await store.EvictByTagAsync(tag, cancellationToken);
                    return Results.Ok();
                });
            });
}
