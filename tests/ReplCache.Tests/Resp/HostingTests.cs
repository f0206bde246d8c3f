using System.Net;
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

namespace ReplCache.Tests.Resp;

/// <summary>Where the RESP endpoint listens: the replication port itself, its own port, or beside an app's own endpoints.</summary>
public class HostingTests
{
    [Fact]
    public async Task SharedPort_ServesAGrpcSecondaryAndRespClients_Together()
    {
        await using ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync();
        Assert.Equal(primary.Address.Port, primary.RespEndPoint!.Port);
        await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(primary.Address);
        await using RespTestClient client = await RespTestClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, primary.Address.Port));
        Assert.Equal("OK", await client.CallAsync("SET", "k", "v"));
        Assert.Equal(1L, await client.CallAsync("WAIT", "1", "10000"));
        Assert.Equal("v", secondary.Cache.GetString("k"));
    }

    [Fact]
    public async Task SharedPort_ShortRespCommands_AreNotMistakenForTheHttp2Preface()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        // "PRI" is a prefix of the preface: the router must wait for more, then see "PRIX" is not HTTP/2.
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        await client.SendAsync("PRI");
        await client.SendAsync("X\r\nPING\r\n");
        Assert.Equal(new RespError("ERR unknown command 'PRIX', with args beginning with: "), await client.ReadAsync());
        Assert.Equal("PONG", await client.ReadAsync());
    }

    [Fact]
    public async Task SeparateRespPort_WhenRespListenNamesAnotherEndpoint()
    {
        await using ReplicatedCacheNode node = await Nodes.StartPrimaryAsync(o =>
        {
            o.Listen = "http://0.0.0.0:0"; // another host than RespListen's, so not one endpoint
            o.RespListen = "127.0.0.1:0";
        });
        Assert.NotEqual(node.Address.Port, node.RespEndPoint!.Port);
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        Assert.Equal("PONG", await client.CallAsync("PING"));
        await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(node.Address);
        await Nodes.WaitInSyncAsync(node, secondary);
    }

    [Fact]
    public async Task HostedWithoutListen_RespListenStillServes_AndShutdownIsRefused()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddReplicatedCache(o => o.RespListen = "127.0.0.1:0");
        await using WebApplication app = builder.Build();
        app.MapReplicatedCache();
        await app.StartAsync();
        try
        {
            string info = app.Services.GetRequiredService<IReplicationControl>().GetInfo().ToInfoString();
            Assert.Contains("role:master", info);
            IPEndPoint resp = RespPortOf(app);
            await using RespTestClient client = await RespTestClient.ConnectAsync(resp);
            Assert.Equal("OK", await client.CallAsync("SET", "k", "v"));
            Assert.Equal("v", app.Services.GetRequiredService<IDistributedCache>().GetString("k"));
            Assert.StartsWith("ERR SHUTDOWN is not available", Assert.IsType<RespError>(await client.CallAsync("SHUTDOWN")).Message);
            Assert.Equal("PONG", await client.CallAsync("PING"));
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task HostedWithListenAndSameRespListen_SharesThePort()
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddReplicatedCache(o =>
        {
            o.Listen = "http://127.0.0.1:0";
            o.RespListen = "127.0.0.1:0";
            o.HeartbeatInterval = TimeSpan.FromMilliseconds(200);
        });
        using IHost host = builder.Build();
        await host.StartAsync();
        try
        {
            Uri address = host.Services.GetRequiredService<IReplicationControl>().GetInfo().Address!;
            await using RespTestClient client = await RespTestClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, address.Port));
            Assert.Equal("OK", await client.CallAsync("SET", "k", "v"));
            await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(address);
            Assert.Equal(1L, await client.CallAsync("WAIT", "1", "10000"));
            Assert.Equal("v", secondary.Cache.GetString("k"));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static IPEndPoint RespPortOf(WebApplication app)
    {
        int appPort = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
        IPEndPoint endPoint = app.Services.GetServices<IHostedService>().OfType<ReplCache.Hosting.ReplicationHostedService>().Single().RespEndPoint!;
        Assert.NotEqual(appPort, endPoint.Port);
        return endPoint;
    }
}
