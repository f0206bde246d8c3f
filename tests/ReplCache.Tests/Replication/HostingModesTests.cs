using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Replication;

/// <summary>The three doors into a node — standalone, AddReplicatedCache with Listen, MapReplicatedCache — replicate alike.</summary>
public class HostingModesTests
{
    [Fact]
    public async Task AddReplicatedCacheWithListen_RunsItsOwnListener_AsAHostedService()
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddReplicatedCache(o =>
        {
            o.Listen = "http://127.0.0.1:0";
            o.HeartbeatInterval = TimeSpan.FromMilliseconds(200);
        });
        using IHost host = builder.Build();
        await host.StartAsync();
        try
        {
            IReplicationControl control = host.Services.GetRequiredService<IReplicationControl>();
            Uri address = control.GetInfo().Address ?? throw new InvalidOperationException("no address");
            await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(address);
            host.Services.GetRequiredService<IDistributedCache>().SetString("from-host", "yes");
            Assert.Equal(1, await control.WaitForReplicasAsync(1, TimeSpan.FromSeconds(10)));
            Assert.Equal("yes", secondary.Cache.GetString("from-host"));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task MapReplicatedCache_ServesReplicationFromTheAppsOwnHttp2Endpoint()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddReplicatedCache(o => o.HeartbeatInterval = TimeSpan.FromMilliseconds(200));
        await using WebApplication app = builder.Build();
        app.MapReplicatedCache();
        await app.StartAsync();
        try
        {
            Uri address = new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(address);
            app.Services.GetRequiredService<IDistributedCache>().SetString("from-app", "yes");
            IReplicationControl control = app.Services.GetRequiredService<IReplicationControl>();
            Assert.Equal(1, await control.WaitForReplicasAsync(1, TimeSpan.FromSeconds(10)));
            Assert.Equal("yes", secondary.Cache.GetString("from-app"));
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task AddReplicatedCacheWithPrimaryAddress_ConnectsOnStart()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        primary.Cache.SetString("k", "v");
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddReplicatedCache(o => o.PrimaryAddress = primary.Address);
        using IHost host = builder.Build();
        await host.StartAsync();
        try
        {
            IReplicationControl control = host.Services.GetRequiredService<IReplicationControl>();
            await Poll.UntilAsync(() => control.GetInfo().LinkStatus == PrimaryLinkStatus.Up, "the hosted secondary to sync");
            Assert.Equal("v", host.Services.GetRequiredService<IDistributedCache>().GetString("k"));
            Assert.Equal(ReplicationRole.Secondary, control.GetInfo().Role);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public void MapReplicatedCache_WithoutAddReplicatedCache_SaysWhatToCall()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        using WebApplication app = builder.Build();
        var error = Assert.Throws<InvalidOperationException>(() => app.MapReplicatedCache());
        Assert.Contains("AddReplicatedCache", error.Message);
    }
}
