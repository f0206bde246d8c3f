using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using ReplCache.Tests.AspNetCore;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Hosting;

/// <summary>
/// HybridCache with its local cache (L1) on, over ReplicatedCache: a key replication changes on a node drops that
/// node's L1 copy, so the secondary's HybridCache serves the primary's new value without calling its factory.
/// </summary>
public sealed class HybridCacheL1CoherenceTests : IAsyncLifetime
{
    private static readonly HybridCacheEntryOptions LongLocalCopies = new()
    {
        Expiration = TimeSpan.FromMinutes(30),
        LocalCacheExpiration = TimeSpan.FromMinutes(30), // far past the test: only the relay can make L1 let go
    };

    [Fact]
    public async Task ValueReplacedOnThePrimary_IsServedNewBySecondarysHybridCache_WithoutCallingTheFactory()
    {
        TestApp primary = _primary!, secondary = _secondary!;
        HybridCache writer = primary.Services.GetRequiredService<HybridCache>();
        HybridCache reader = secondary.Services.GetRequiredService<HybridCache>();
        int factoryCalls = 0;
        ValueTask<string> Factory(CancellationToken _)
        {
            Interlocked.Increment(ref factoryCalls);
            return ValueTask.FromResult("made on the secondary");
        }

        await writer.SetAsync("product:1", "a lamp, 40 EUR", LongLocalCopies);
        await TestApp.WaitInSyncAsync(primary.Control(), secondary.Control());
        Assert.Equal("a lamp, 40 EUR", await reader.GetOrCreateAsync("product:1", Factory, LongLocalCopies));
        Assert.True(secondary.Services.GetRequiredService<IMemoryCache>().TryGetValue("product:1", out _), "the secondary's L1 holds the value");

        await writer.SetAsync("product:1", "a lamp, 35 EUR", LongLocalCopies);
        string served = "";
        await Poll.UntilAsync(
            () => (served = reader.GetOrCreateAsync("product:1", Factory, LongLocalCopies).AsTask().GetAwaiter().GetResult()) == "a lamp, 35 EUR",
            "the secondary's HybridCache to serve the replaced value");

        Assert.Equal(0, factoryCalls);
        // Dropping L1 wrote nothing: the secondary holds exactly the primary's data, at the primary's offset.
        await TestApp.WaitInSyncAsync(primary.Control(), secondary.Control());
        Assert.Equal(primary.Cache().GetDigest(), secondary.Cache().GetDigest());
    }

    [Fact]
    public async Task KeyRemovedOnThePrimary_LeavesNoLocalCopyOnTheSecondary()
    {
        TestApp primary = _primary!, secondary = _secondary!;
        HybridCache writer = primary.Services.GetRequiredService<HybridCache>();
        HybridCache reader = secondary.Services.GetRequiredService<HybridCache>();

        await writer.SetAsync("product:2", "a chair", LongLocalCopies);
        await TestApp.WaitInSyncAsync(primary.Control(), secondary.Control());
        Assert.Equal("a chair", await reader.GetOrCreateAsync("product:2", _ => ValueTask.FromResult("unexpected"), LongLocalCopies));

        await writer.RemoveAsync("product:2");
        var flags = new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableUnderlyingData }; // a read that never calls a factory
        await Poll.UntilAsync(
            () => reader.GetOrCreateAsync<string?>("product:2", _ => ValueTask.FromResult<string?>("unexpected"), flags).AsTask().GetAwaiter().GetResult() is null,
            "the secondary's HybridCache to find the key gone");
        Assert.False(secondary.Services.GetRequiredService<IMemoryCache>().TryGetValue("product:2", out _));
    }

    [Fact]
    public async Task ValueReplacedThroughASecondary_IsServedNewByThePrimarysHybridCache()
    {
        TestApp primary = _primary!, secondary = _secondary!;
        HybridCache onPrimary = primary.Services.GetRequiredService<HybridCache>();
        HybridCache onSecondary = secondary.Services.GetRequiredService<HybridCache>();
        await onPrimary.SetAsync("product:3", "a desk, 200 EUR", LongLocalCopies);
        Assert.Equal("a desk, 200 EUR", await onPrimary.GetOrCreateAsync("product:3", _ => ValueTask.FromResult("unexpected"), LongLocalCopies));
        await TestApp.WaitInSyncAsync(primary.Control(), secondary.Control());

        // Forwarded to the primary and applied there: a change the primary's HybridCache did not make.
        await onSecondary.SetAsync("product:3", "a desk, 180 EUR", LongLocalCopies);
        await Poll.UntilAsync(
            () => onPrimary.GetOrCreateAsync("product:3", _ => ValueTask.FromResult("unexpected"), LongLocalCopies).AsTask().GetAwaiter().GetResult() == "a desk, 180 EUR",
            "the primary's HybridCache to serve the value written through the secondary");
    }

    /// <summary>
    /// A full resync from another primary loads aside: the secondary's local copy of the old value is served until the
    /// new dataset is swapped in, and dropped then (one Cleared announcement at the swap), so the new value follows.
    /// </summary>
    [Fact]
    public async Task AFullResyncFromAnotherPrimary_DropsTheSecondarysLocalCopies_WhenTheNewDataIsSwappedIn()
    {
        TestApp primary = _primary!, secondary = _secondary!;
        await using TestApp other = await StartInstanceAsync(primary: null);
        HybridCache reader = secondary.Services.GetRequiredService<HybridCache>();
        await primary.Services.GetRequiredService<HybridCache>().SetAsync("product:4", "a shelf, old price", LongLocalCopies);
        await other.Services.GetRequiredService<HybridCache>().SetAsync("product:4", "a shelf, new price", LongLocalCopies);
        await TestApp.WaitInSyncAsync(primary.Control(), secondary.Control());
        Assert.Equal("a shelf, old price", await reader.GetOrCreateAsync("product:4", _ => ValueTask.FromResult("unexpected"), LongLocalCopies));

        await secondary.Control().ReplicaOfAsync(other.ReplicationAddress());
        await TestApp.WaitInSyncAsync(other.Control(), secondary.Control());
        await Poll.UntilAsync(
            () => reader.GetOrCreateAsync("product:4", _ => ValueTask.FromResult("unexpected"), LongLocalCopies).AsTask().GetAwaiter().GetResult() == "a shelf, new price",
            "the secondary's HybridCache to serve the new primary's value");
        Assert.Equal(other.Cache().GetDigest(), secondary.Cache().GetDigest());
    }

    private TestApp? _primary;
    private TestApp? _secondary;

    /// <summary>Each test: a primary instance and a secondary instance, each with HybridCache over its ReplCache.</summary>
    public async Task InitializeAsync()
    {
        _primary = await StartInstanceAsync(primary: null);
        _secondary = await StartInstanceAsync(_primary.ReplicationAddress());
    }

    public async Task DisposeAsync()
    {
        if (_secondary is not null)
        {
            await _secondary.DisposeAsync();
        }

        if (_primary is not null)
        {
            await _primary.DisposeAsync();
        }
    }

    private static Task<TestApp> StartInstanceAsync(Uri? primary) =>
        TestApp.StartAsync(
            services =>
            {
                services.AddReplicatedCache(o =>
                {
                    TestApp.NodeOptions(o, primary);
                    o.ReplicaWrites = ReplicaWriteMode.ForwardToPrimary; // HybridCache writes on the secondary too
                });
                services.AddHybridCache();
            },
            _ => { });
}
