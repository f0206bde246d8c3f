namespace ReplCache;

/// <summary>Thresholds of the ReplCache health check (<c>AddHealthChecks().AddReplicatedCache()</c>).</summary>
public sealed class ReplicatedCacheHealthCheckOptions
{
    /// <summary>
    /// A secondary whose link is up but that has heard nothing from its primary for longer than this is lagging:
    /// Degraded. Default 10 s (Redis's <c>min-replicas-max-lag</c> default); keep it above the heartbeat interval.
    /// </summary>
    public TimeSpan MaxPrimarySilence { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A secondary whose link has been down longer than this is Unhealthy (before that, Degraded: a reconnect is
    /// usually under way). Default 30 s.
    /// </summary>
    public TimeSpan UnhealthyAfterLinkDown { get; set; } = TimeSpan.FromSeconds(30);
}
