using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.AspNetCore;

/// <summary>
/// One instance of an ASP.NET Core app for the tests: a real Kestrel app on 127.0.0.1 with port 0, whose services and
/// endpoints the test chooses, with an HttpClient on its address.
/// </summary>
internal sealed class TestApp : IAsyncDisposable
{
    private TestApp(WebApplication app, Uri address)
    {
        App = app;
        Address = address;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public WebApplication App { get; }

    /// <summary>The app's own HTTP address (not the cache's replication listener).</summary>
    public Uri Address { get; }

    public HttpClient Http { get; }

    public IServiceProvider Services => App.Services;

    /// <summary>The replication address of the app's (keyed) cache, to point secondaries at.</summary>
    public Uri ReplicationAddress(object? serviceKey = null) => Control(serviceKey).GetInfo().Address
        ?? throw new InvalidOperationException("The cache has no listener address.");

    public IReplicationControl Control(object? serviceKey = null) => serviceKey is null
        ? Services.GetRequiredService<IReplicationControl>()
        : Services.GetRequiredKeyedService<IReplicationControl>(serviceKey);

    public ReplicatedCache Cache(object? serviceKey = null) => serviceKey is null
        ? Services.GetRequiredService<ReplicatedCache>()
        : Services.GetRequiredKeyedService<ReplicatedCache>(serviceKey);

    public static async Task<TestApp> StartAsync(Action<IServiceCollection> services, Action<WebApplication> endpoints)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        if (Nodes.LoggerFactory is not null)
        {
            builder.Logging.AddSimpleConsole(o => o.TimestampFormat = "HH:mm:ss.fff ").SetMinimumLevel(LogLevel.Debug);
        }

        services(builder.Services);
        WebApplication app = builder.Build();
        endpoints(app);
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return new TestApp(app, address);
    }

    /// <summary>The options of a node of these tests: its own listener, quick heartbeats.</summary>
    public static void NodeOptions(ReplicatedCacheOptions o, Uri? primary = null)
    {
        o.Listen = "http://127.0.0.1:0";
        o.PrimaryAddress = primary;
        o.HeartbeatInterval = TimeSpan.FromMilliseconds(200);
        o.ReplicationTimeout = TimeSpan.FromSeconds(5);
    }

    /// <summary>Waits until every secondary's cache has applied the primary's offset with its link up.</summary>
    public static Task WaitInSyncAsync(IReplicationControl primary, params IReplicationControl[] secondaries) =>
        Poll.UntilAsync(
            () => secondaries.All(s => s.GetInfo() is { LinkStatus: PrimaryLinkStatus.Up } info && info.Offset == primary.GetInfo().Offset),
            "secondaries to catch up with the primary's offset");

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
