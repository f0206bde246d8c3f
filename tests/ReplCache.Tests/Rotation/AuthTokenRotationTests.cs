using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ReplCache.Tests.Infrastructure;
using ReplCache.Tests.Resp;

namespace ReplCache.Tests.Rotation;

/// <summary>
/// AuthToken changed on a running group — by CONFIG SET requirepass (what replcache-server and Sentinel send), and by
/// a configuration reload under AddReplicatedCache — drops no link and fails no write; the previous token is accepted
/// for AuthTokenGracePeriod and refused after it. The grace runs on a fake clock, so "after" is exact, not a sleep.
/// </summary>
public class AuthTokenRotationTests
{
    private const string Old = "old-secret-1";
    private const string New = "new-secret-2";
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task ConfigSetRequirepass_InARunningGroupUnderWrites_DropsNoLink_AndTheOldTokenStopsAfterTheGrace()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        void Configure(ReplicatedCacheOptions o)
        {
            o.AuthToken = Old;
            o.AuthTokenGracePeriod = Grace;
            o.TimeProvider = time;
        }

        await using ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync(Configure);
        await using ReplicatedCacheNode first = await RespNodes.StartSecondaryAsync(primary.Address, Configure);
        await using ReplicatedCacheNode second = await RespNodes.StartSecondaryAsync(primary.Address, Configure);
        await Nodes.WaitInSyncAsync(primary, first, second);
        BackgroundWriter writer = RotationGroup.WriteUnderneath(primary);

        // A secondary first, then the primary, then the other: a rolling change in no particular order.
        foreach (ReplicatedCacheNode node in new[] { first, primary, second })
        {
            await using RespTestClient client = await RespTestClient.ConnectAsync(node);
            Assert.Equal("OK", await client.CallAsync("AUTH", Old));
            Assert.Equal("OK", await client.CallAsync("CONFIG", "SET", "requirepass", New));
            Assert.Equal("still authenticated", await client.CallAsync("PING", "still authenticated")); // this connection stays authenticated
        }

        // Within the grace both tokens work, on the replication endpoint and for Redis clients.
        Assert.True(await RotationGroup.AcceptsAsync(primary, Old));
        Assert.True(await RotationGroup.AcceptsAsync(primary, New));
        await using (RespTestClient late = await RespTestClient.ConnectAsync(second))
        {
            Assert.Equal("OK", await late.CallAsync("AUTH", Old));
        }

        // A secondary joining now comes in with the new token.
        await using ReplicatedCacheNode third = await RespNodes.StartSecondaryAsync(primary.Address, o =>
        {
            Configure(o);
            o.AuthToken = New;
        });
        await Nodes.WaitInSyncAsync(primary, third);

        time.Advance(Grace + TimeSpan.FromSeconds(1));
        Assert.False(await RotationGroup.AcceptsAsync(primary, Old));
        Assert.False(await RotationGroup.AcceptsAsync(first, Old));
        Assert.True(await RotationGroup.AcceptsAsync(primary, New));
        await using (RespTestClient after = await RespTestClient.ConnectAsync(first))
        {
            Assert.Equal(new RespError("WRONGPASS invalid username-password pair or user is disabled."), await after.CallAsync("AUTH", Old));
            Assert.Equal("OK", await after.CallAsync("AUTH", New));
        }

        await writer.StopAsync(); // rethrows the first failed write, if any
        Assert.True(writer.Writes > 0);
        await Nodes.WaitInSyncAsync(primary, first, second, third);
        Assert.All(new[] { first, second, third }, s => Assert.Equal(primary.Cache.GetDigest(), s.Cache.GetDigest()));
        RotationGroup.AssertNoLinkWentDown(primary, fullSyncs: 3, first, second, third);
    }

    [Fact]
    public async Task ConfigurationReload_RotatesTheTokenOfAHostedPrimary_WithoutRestart()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        IConfigurationRoot configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ReplCache:Listen"] = "http://127.0.0.1:0",
            ["ReplCache:AuthToken"] = Old,
            ["ReplCache:AuthTokenGracePeriod"] = "00:01:00",
            ["ReplCache:HeartbeatInterval"] = "00:00:00.200",
            ["ReplCache:ReplicationTimeout"] = "00:00:05",
        }).Build();
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddReplicatedCache(configuration.GetSection("ReplCache"));
        builder.Services.Configure<ReplicatedCacheOptions>(o => o.TimeProvider = time); // code-only, as in an app
        using IHost host = builder.Build();
        await host.StartAsync();
        try
        {
            var hosted = host.Services.GetRequiredService<ReplicatedCache>();
            var control = host.Services.GetRequiredService<IReplicationControl>();
            Uri address = control.GetInfo().Address ?? throw new InvalidOperationException("The hosted node reports no address.");
            await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(address, o => o.AuthToken = Old);
            await Poll.UntilAsync(() => secondary.Replication.GetInfo().LinkStatus == PrimaryLinkStatus.Up, "the secondary to link to the hosted primary");

            configuration["ReplCache:AuthToken"] = New;
            configuration.Reload();

            ReplicatedCacheOptions live = host.Services.GetRequiredService<IOptionsMonitor<ReplicatedCacheOptions>>().CurrentValue;
            Assert.Equal(New, live.AuthToken);
            hosted.SetString("after-reload", "replicated");
            await Poll.UntilAsync(() => secondary.Cache.GetString("after-reload") == "replicated", "a write after the reload to reach the secondary");
            Assert.Equal(PrimaryLinkStatus.Up, secondary.Replication.GetInfo().LinkStatus);
            Assert.Equal(1, control.GetInfo().FullSyncs);
            Assert.Equal(0, control.GetInfo().PartialSyncsAccepted);

            // The hosted node's own endpoint: the old token until the grace ends, then only the new one.
            Assert.True(await RotationGroup.AcceptsAsync(address, Old));
            time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
            Assert.False(await RotationGroup.AcceptsAsync(address, Old));
            Assert.True(await RotationGroup.AcceptsAsync(address, New));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public void AGracePeriodOutOfRange_IsRefusedAtStartup_NamingTheSetting()
    {
        var error = Assert.Throws<OptionsValidationException>(() => ReplCache.Hosting.ReplicatedCacheOptionsValidator.ThrowIfInvalid(Nodes.Options(configure: o => o.AuthTokenGracePeriod = TimeSpan.FromSeconds(-1))));
        Assert.Contains("ReplicatedCacheOptions.AuthTokenGracePeriod must be between zero", error.Message, StringComparison.Ordinal);
    }
}
