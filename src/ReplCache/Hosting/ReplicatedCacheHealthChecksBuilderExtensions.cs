using Microsoft.Extensions.Diagnostics.HealthChecks;
using ReplCache;
using ReplCache.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds ReplCache's health check: <c>builder.Services.AddHealthChecks().AddReplicatedCache()</c>.</summary>
public static class ReplicatedCacheHealthChecksBuilderExtensions
{
    /// <summary>
    /// Reports the node's replication health (see <see cref="ReplicatedCacheHealthCheckOptions"/> for the thresholds):
    /// Healthy for a primary and for a secondary in sync, Degraded while syncing, lagging or briefly disconnected,
    /// Unhealthy when the link to the primary has been down too long. Needs <c>AddReplicatedCache</c>.
    /// </summary>
    public static IHealthChecksBuilder AddReplicatedCache(this IHealthChecksBuilder builder, string name = "replcache") =>
        AddReplicatedCache(builder, name, configure: null);

    /// <inheritdoc cref="AddReplicatedCache(IHealthChecksBuilder, string)"/>
    public static IHealthChecksBuilder AddReplicatedCache(this IHealthChecksBuilder builder, string name, Action<ReplicatedCacheHealthCheckOptions>? configure, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ReplicatedCacheHealthCheckOptions options = ValidatedOptions(configure);
        return builder.Add(new HealthCheckRegistration(
            name,
            services => new ReplicatedCacheHealthCheck(services.GetRequiredService<IReplicationControl>(), options),
            failureStatus: null,
            tags));
    }

    /// <summary>The thresholds <paramref name="configure"/> sets, checked when the check is added.</summary>
    internal static ReplicatedCacheHealthCheckOptions ValidatedOptions(Action<ReplicatedCacheHealthCheckOptions>? configure)
    {
        var options = new ReplicatedCacheHealthCheckOptions();
        configure?.Invoke(options);
        if (options.MaxPrimarySilence <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(configure), options.MaxPrimarySilence, "ReplicatedCacheHealthCheckOptions.MaxPrimarySilence must be positive.");
        }

        if (options.UnhealthyAfterLinkDown < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(configure), options.UnhealthyAfterLinkDown, "ReplicatedCacheHealthCheckOptions.UnhealthyAfterLinkDown must not be negative.");
        }

        return options;
    }
}
