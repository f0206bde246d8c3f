using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Hosting;

/// <summary>HybridCache with ReplicatedCache as its L2 (distributed) tier, across a primary and a secondary.</summary>
public class HybridCacheTests
{
    [Fact]
    public async Task ValueCreatedOnThePrimary_IsServedOnTheSecondary_WithoutCallingTheFactory()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(primary.Address);
        await using ServiceProvider onPrimary = HybridOver(primary);
        await using ServiceProvider onSecondary = HybridOver(secondary);
        HybridCache writer = onPrimary.GetRequiredService<HybridCache>();
        HybridCache reader = onSecondary.GetRequiredService<HybridCache>();

        string created = await writer.GetOrCreateAsync("product:42", _ => ValueTask.FromResult("a lamp"), tags: ["products"]);
        Assert.Equal("a lamp", created);
        await Nodes.WaitInSyncAsync(primary, secondary);

        int factoryCalls = 0;
        string served = await reader.GetOrCreateAsync("product:42", _ =>
        {
            Interlocked.Increment(ref factoryCalls);
            return ValueTask.FromResult("made on the secondary");
        });
        Assert.Equal("a lamp", served);
        Assert.Equal(0, factoryCalls);
    }

    [Fact]
    public async Task RemoveByTagOnThePrimary_ReachesTheSecondarysHybridCache()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        await using ServiceProvider onPrimary = HybridOver(primary);
        HybridCache writer = onPrimary.GetRequiredService<HybridCache>();

        // The secondary as an app runs it: AddReplicatedCache and AddHybridCache in a host.
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Services.AddReplicatedCache(o =>
        {
            o.Listen = "http://127.0.0.1:0";
            o.PrimaryAddress = primary.Address;
            o.HeartbeatInterval = TimeSpan.FromMilliseconds(200);
        });
        builder.Services.AddHybridCache();
        using IHost app = builder.Build();
        await app.StartAsync();
        try
        {
            IReplicationControl secondary = app.Services.GetRequiredService<IReplicationControl>();
            HybridCache reader = app.Services.GetRequiredService<HybridCache>();
            await writer.GetOrCreateAsync("product:7", _ => ValueTask.FromResult("old price"), tags: ["products"]);
            await Poll.UntilAsync(() => secondary.GetInfo().Offset == primary.Replication.GetInfo().Offset && secondary.GetInfo().LinkStatus == PrimaryLinkStatus.Up, "the secondary to catch up");

            // Both the secondary's L1 and its view of the tag are now warm: the case stock HybridCache never revisits.
            Assert.Equal("old price", await reader.GetOrCreateAsync("product:7", _ => ValueTask.FromResult("unexpected"), tags: ["products"]));
            Assert.Equal("old price", await reader.GetOrCreateAsync("product:7", _ => ValueTask.FromResult("unexpected"), tags: ["products"]));

            await writer.RemoveByTagAsync("products");
            string after = "";
            await Poll.UntilAsync(
                () => (after = reader.GetOrCreateAsync("product:7", _ => ValueTask.FromResult("fresh from the source"), tags: ["products"]).AsTask().Result) != "old price",
                "the invalidation to reach the secondary's HybridCache");
            Assert.Equal("fresh from the source", after);
            // The replay wrote nothing back: the secondary is read-only, and the tag key holds the primary's value.
            Assert.Equal(primary.Cache.Get(HybridCacheTagKey("products")), app.Services.GetRequiredService<ReplicatedCache>().Get(HybridCacheTagKey("products")));
        }
        finally
        {
            await app.StopAsync();
        }
    }

    private static string HybridCacheTagKey(string tag) => "__MSFT_HCT__" + tag;

    private static ServiceProvider HybridOver(ReplicatedCacheNode node)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IDistributedCache>(node.Cache);
        services.AddHybridCache();
        return services.BuildServiceProvider();
    }
}
