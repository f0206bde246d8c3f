using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Hosting;

/// <summary>The health check through the real HealthCheckService, against real nodes.</summary>
public class HealthCheckTests
{
    [Fact]
    public async Task Primary_RegisteredWithAddReplicatedCache_IsHealthy()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddReplicatedCache(o => o.NodeId = "health-primary");
        services.AddHealthChecks().AddReplicatedCache();
        await using ServiceProvider provider = services.BuildServiceProvider();

        HealthReport report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        HealthReportEntry entry = report.Entries["replcache"];
        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal("master", entry.Data["role"]);
        Assert.Equal("health-primary", entry.Data["node_id"]);
    }

    [Fact]
    public async Task Secondary_HealthyWhenUp_DegradedWhenSilent_DegradedThenUnhealthyWhenDown()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        await using var proxy = new TcpFaultProxy(primary.Address);
        await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(proxy.Address);
        await Nodes.WaitInSyncAsync(primary, secondary);
        HealthCheckService health = HealthService(secondary, o => o.MaxPrimarySilence = TimeSpan.FromMilliseconds(600));

        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync()).Status);

        // The proxy holds every byte: the link is still up, but the primary's heartbeats (every 200 ms) stop arriving.
        proxy.Stall();
        await Poll.UntilAsync(() => health.CheckHealthAsync().Result.Status == HealthStatus.Degraded, "a silent primary to degrade the secondary");
        HealthReportEntry lagging = (await health.CheckHealthAsync()).Entries["replcache"];
        Assert.Contains("lagging", lagging.Description, StringComparison.Ordinal);
        Assert.Equal(PrimaryLinkStatus.Up.ToString(), lagging.Data["master_link_status"]);
        proxy.Resume();
        await Poll.UntilAsync(() => health.CheckHealthAsync().Result.Status == HealthStatus.Healthy, "the secondary to be healthy again");

        // Link down: Degraded at first (a reconnect is under way), Unhealthy past the threshold.
        proxy.Refuse(true);
        proxy.KillAll();
        await Poll.UntilAsync(() => secondary.Replication.GetInfo().LinkStatus == PrimaryLinkStatus.Down, "the link to go down");
        Assert.Equal(HealthStatus.Degraded, (await health.CheckHealthAsync()).Status);
        HealthCheckService strict = HealthService(secondary, o => o.UnhealthyAfterLinkDown = TimeSpan.FromMilliseconds(300));
        await Poll.UntilAsync(() => strict.CheckHealthAsync().Result.Status == HealthStatus.Unhealthy, "the link to be down past the threshold");
    }

    [Fact]
    public void BadThresholds_AreRefusedNamingTheSetting()
    {
        var services = new ServiceCollection();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => services.AddHealthChecks().AddReplicatedCache("replcache", o => o.MaxPrimarySilence = TimeSpan.Zero));
        Assert.Contains("MaxPrimarySilence", error.Message, StringComparison.Ordinal);
    }

    private static HealthCheckService HealthService(ReplicatedCacheNode node, Action<ReplicatedCacheHealthCheckOptions> configure)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton(node.Replication);
        services.AddHealthChecks().AddReplicatedCache("replcache", configure);
        return services.BuildServiceProvider().GetRequiredService<HealthCheckService>();
    }
}
