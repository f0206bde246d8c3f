using Microsoft.Extensions.Diagnostics.HealthChecks;
using ReplCache;
using ReplCache.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the health check of a keyed ReplCache: <c>AddHealthChecks().AddKeyedReplicatedCache("sessions")</c>.</summary>
public static class ReplicatedCacheKeyedHealthChecksBuilderExtensions
{
    /// <summary>
    /// As <c>AddReplicatedCache</c> on the health checks builder, for the cache registered with
    /// <c>AddKeyedReplicatedCache(serviceKey, ...)</c>. The check is named <c>replcache-&lt;name&gt;</c> unless
    /// <paramref name="name"/> says otherwise, and its data carry <c>cache_name</c>, so reports of groups stay apart.
    /// </summary>
    public static IHealthChecksBuilder AddKeyedReplicatedCache(
        this IHealthChecksBuilder builder,
        object serviceKey,
        string? name = null,
        Action<ReplicatedCacheHealthCheckOptions>? configure = null,
        IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(serviceKey);
        string cacheName = KeyedCacheName.Of(serviceKey);
        ReplicatedCacheHealthCheckOptions options = ReplicatedCacheHealthChecksBuilderExtensions.ValidatedOptions(configure);
        return builder.Add(new HealthCheckRegistration(
            name ?? $"replcache-{cacheName}",
            services => new ReplicatedCacheHealthCheck(services.GetRequiredKeyedService<IReplicationControl>(serviceKey), options, cacheName),
            failureStatus: null,
            tags));
    }
}
