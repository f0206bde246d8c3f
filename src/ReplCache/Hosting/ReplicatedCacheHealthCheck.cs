using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ReplCache.Hosting;

/// <summary>
/// Health of one node as a load balancer or orchestrator should see it: a primary is Healthy; a secondary is
/// Healthy while its link is up and its primary is heard from, Degraded while it syncs, lags or has just lost its
/// link (it still serves reads, possibly stale), and Unhealthy once the link has been down past the threshold.
/// </summary>
internal sealed class ReplicatedCacheHealthCheck(IReplicationControl replication, ReplicatedCacheHealthCheckOptions options, string? cacheName = null) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ReplicationInfo info = replication.GetInfo();
        var data = new Dictionary<string, object>
        {
            ["role"] = info.Role == ReplicationRole.Primary ? "master" : "slave",
            ["node_id"] = info.NodeId,
            ["master_replid"] = info.ReplicationId,
            ["master_repl_offset"] = info.Offset,
            ["connected_slaves"] = info.Replicas.Count,
        };
        if (cacheName is not null)
        {
            data["cache_name"] = cacheName; // a keyed cache: which group this report is about
        }

        if (info.Role == ReplicationRole.Primary)
        {
            return Task.FromResult(HealthCheckResult.Healthy($"primary with {info.Replicas.Count} connected replica(s)", data));
        }

        data["master_link_status"] = info.LinkStatus.ToString();
        if (info.PrimaryAddress is { } primary)
        {
            data["master"] = primary.ToString();
        }

        HealthCheckResult result = info.LinkStatus switch
        {
            PrimaryLinkStatus.Up when info.PrimaryLastIoAgo is { } silence && silence > options.MaxPrimarySilence =>
                HealthCheckResult.Degraded($"secondary lagging: nothing heard from the primary for {silence.TotalSeconds:F0} s", data: data),
            PrimaryLinkStatus.Up => HealthCheckResult.Healthy("secondary in sync with its primary", data),
            PrimaryLinkStatus.Syncing => HealthCheckResult.Degraded("secondary receiving a full sync", data: data),
            PrimaryLinkStatus.Down when info.LinkDownFor is { } down && down >= options.UnhealthyAfterLinkDown =>
                HealthCheckResult.Unhealthy($"link to the primary down for {down.TotalSeconds:F0} s: {info.LinkDownReason ?? "no reason given"}", data: data),
            _ => HealthCheckResult.Degraded($"link to the primary is {info.LinkStatus.ToString().ToLowerInvariant()}: {info.LinkDownReason ?? "connecting"}", data: data),
        };
        return Task.FromResult(result);
    }
}
