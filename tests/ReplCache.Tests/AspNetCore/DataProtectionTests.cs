using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.AspNetCore;

/// <summary>PersistKeysToReplicatedCache: one Data Protection key ring for a farm of Kestrel instances, kept in ReplCache.</summary>
public sealed class DataProtectionTests : IDisposable
{
    private const string RingPrefix = "__replcache:pinned:DataProtection-Keys:";
    private readonly string _directory = Directory.CreateTempSubdirectory("replcache-dp-").FullName;

    [Fact]
    public async Task PayloadProtectedOnOneInstance_IsUnprotectedOnAnother_AfterThePrimaryRestarted()
    {
        string snapshot = Path.Combine(_directory, "primary.snapshot");
        TestApp primary = await StartInstanceAsync(null, o => o.SnapshotPath = snapshot);
        Uri primaryAddress = primary.ReplicationAddress();
        string payload;
        await using (TestApp secondary = await StartInstanceAsync(primaryAddress))
        {
            await TestApp.WaitInSyncAsync(primary.Control(), secondary.Control());
            // The primary made the first key at its startup; the secondary adds one, stored through the primary
            // although the secondary's ReplicaWrites is Reject, and protects with the ring.
            (await secondary.Http.PostAsync("/new-key", null)).EnsureSuccessStatusCode();
            payload = await secondary.Http.GetStringAsync("/protect?text=cart-of-user-7");
            await TestApp.WaitInSyncAsync(primary.Control(), secondary.Control());
        }

        Assert.Equal(2, primary.Cache().GetKeys(RingPrefix + "*").Count());
        await primary.DisposeAsync(); // a graceful stop: the snapshot is saved

        await using TestApp restarted = await StartInstanceAsync(null, o =>
        {
            o.SnapshotPath = snapshot;
            o.Listen = $"http://127.0.0.1:{primaryAddress.Port}"; // where the farm's secondaries look for it
        });
        await using TestApp third = await StartInstanceAsync(restarted.ReplicationAddress());
        Assert.Equal("cart-of-user-7", await restarted.Http.GetStringAsync($"/unprotect?payload={Uri.EscapeDataString(payload)}"));
        Assert.Equal("cart-of-user-7", await third.Http.GetStringAsync($"/unprotect?payload={Uri.EscapeDataString(payload)}"));
        Assert.Equal(2, restarted.Cache().GetKeys(RingPrefix + "*").Count()); // the same ring: no instance started one of its own
    }

    [Fact]
    public async Task KeyRingEntries_AreNeverEvictedBySizeLimitBytes_NorExpire()
    {
        await using TestApp primary = await StartInstanceAsync(null, o => o.SizeLimitBytes = 1024 * 1024);
        string payload = await primary.Http.GetStringAsync("/protect?text=kept");
        string[] ring = [.. primary.Cache().GetKeys(RingPrefix + "*")];
        Assert.Single(ring);

        byte[] filler = new byte[16 * 1024];
        for (int i = 0; i < 512; i++) // 8 MiB through a 1 MiB bound
        {
            primary.Cache().Set($"filler-{i}", filler, new());
        }

        Assert.True(primary.Cache().Count < 512, "the bound evicted filler entries");
        Assert.Equal(ring, primary.Cache().GetKeys(RingPrefix + "*"));
        Assert.Equal("kept", await primary.Http.GetStringAsync($"/unprotect?payload={Uri.EscapeDataString(payload)}"));
    }

    [Fact]
    public async Task ASecondaryThatHasNotSynced_RefusesToReadTheRing_InsteadOfStartingANewOne()
    {
        await using TestApp primary = await StartInstanceAsync(null);
        await using var proxy = new TcpFaultProxy(primary.ReplicationAddress());
        proxy.Refuse(true); // the secondary never completes its first sync
        await using TestApp unsynced = await StartInstanceAsync(proxy.Address);
        int ringOnThePrimary = primary.Cache().GetKeys(RingPrefix + "*").Count(); // its own first key, made at its startup

        using HttpResponseMessage answer = await unsynced.Http.GetAsync("/protect?text=anything");

        Assert.Equal(500, (int)answer.StatusCode);
        string failure = await answer.Content.ReadAsStringAsync();
        Assert.True(failure.Contains("cannot be trusted", StringComparison.Ordinal), failure);
        Assert.Empty(unsynced.Cache().GetKeys(RingPrefix + "*"));
        Assert.Equal(ringOnThePrimary, primary.Cache().GetKeys(RingPrefix + "*").Count()); // and nothing was written upstream either
    }

    [Fact]
    public async Task OnAKeyedGroup_TheRingLivesInThatGroup_UnderItsOwnKey()
    {
        await using TestApp app = await TestApp.StartAsync(
            services =>
            {
                services.AddKeyedReplicatedCache("secrets", o => TestApp.NodeOptions(o));
                services.AddDataProtection().SetApplicationName("replcache-tests").PersistKeysToReplicatedCache("farm-ring", "secrets");
            },
            _ => { });
        IDataProtector protector = app.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("carts");

        Assert.Equal("x", protector.Unprotect(protector.Protect("x")));
        Assert.NotEmpty(app.Cache("secrets").GetKeys("__replcache:pinned:farm-ring:*"));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static Task<TestApp> StartInstanceAsync(Uri? primary, Action<ReplicatedCacheOptions>? configure = null) =>
        TestApp.StartAsync(
            services =>
            {
                services.AddReplicatedCache(o =>
                {
                    TestApp.NodeOptions(o, primary); // ReplicaWrites left at Reject
                    configure?.Invoke(o);
                });
                services.AddDataProtection().SetApplicationName("replcache-tests").PersistKeysToReplicatedCache();
            },
            app =>
            {
                app.Use(async (context, next) =>
                {
                    try
                    {
                        await next(context);
                    }
                    catch (Exception ex)
                    {
                        context.Response.StatusCode = 500;
                        await context.Response.WriteAsync(ex.ToString());
                    }
                });
                app.MapPost("/new-key", (IKeyManager keys) =>
                {
                    keys.CreateNewKey(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(90));
                    return Results.Ok();
                });
                app.MapGet("/protect", (string text, IDataProtectionProvider provider) => provider.CreateProtector("carts").Protect(text));
                app.MapGet("/unprotect", (string payload, IDataProtectionProvider provider) => provider.CreateProtector("carts").Unprotect(payload));
            });
}
