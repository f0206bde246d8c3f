using Grpc.AspNetCore.Server;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ReplCache;
using ReplCache.Hosting;
using ReplCache.Protocol;
using ReplCache.Replication;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ReplCache, the way <c>AddStackExchangeRedisCache</c> registers RedisCache.</summary>
public static class ReplicatedCacheServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ReplicatedCache"/> as the app's <see cref="IDistributedCache"/> and
    /// <see cref="IBufferDistributedCache"/> (one singleton), and <see cref="IReplicationControl"/>.
    /// Options are validated at startup. Calling it twice is harmless; the configurations add up.
    /// </summary>
    public static IServiceCollection AddReplicatedCache(this IServiceCollection services, Action<ReplicatedCacheOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<ReplicatedCacheOptions>().Configure(configure);
        return AddCore(services);
    }

    /// <summary>As <see cref="AddReplicatedCache(IServiceCollection, Action{ReplicatedCacheOptions})"/>, binding the options from a configuration section.</summary>
    public static IServiceCollection AddReplicatedCache(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        services.AddOptions<ReplicatedCacheOptions>().Bind(section);
        return AddCore(services);
    }

    private static IServiceCollection AddCore(IServiceCollection services)
    {
        services.AddOptions<ReplicatedCacheOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ReplicatedCacheOptions>, ReplicatedCacheOptionsValidator>());
        services.AddMetrics(); // IMeterFactory: the host's, or one of our own in a bare ServiceCollection
        services.TryAddSingleton(static sp => new NodeCore(
            sp.GetRequiredService<IOptions<ReplicatedCacheOptions>>().Value,
            sp.GetService<ILoggerFactory>(),
            sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton(static sp => sp.GetRequiredService<NodeCore>().Cache);
        services.TryAddSingleton(static sp => sp.GetRequiredService<NodeCore>().Control);
        // MapReplicatedCache maps this instance: the service is the node's, whoever hosts the endpoint.
        services.TryAddSingleton(static sp => sp.GetRequiredService<NodeCore>().GrpcService);
        services.TryAddSingleton(static sp => sp.GetRequiredService<NodeCore>().AppliedKeys);
        services.TryAddSingleton(static sp => sp.GetRequiredService<NodeCore>().Route);
        services.AddGrpc();
        // The replication service's own message limits (MapReplicatedCache), sized from MaxKeyBytes and MaxValueBytes.
        services.AddOptions<GrpcServiceOptions<ReplicationGrpcService>>().Configure<IOptions<ReplicatedCacheOptions>>(static (grpc, options) =>
        {
            grpc.MaxReceiveMessageSize = ReplicationChannel.MaxMessageBytes(options.Value);
            grpc.MaxSendMessageSize = ReplicationChannel.MaxMessageBytes(options.Value);
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ReplicationHostedService>());
        // A configuration reload applies what can change on a running node (AuthToken rotated without a restart).
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, OptionsReload>(static sp => new OptionsReload(
            sp.GetRequiredService<NodeCore>(), sp.GetRequiredService<IOptionsMonitor<ReplicatedCacheOptions>>())));
        // Keeps this node's HybridCache (L1 copies, tag invalidations) in step with replication, when the app has one.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, HybridCacheCoherence>());

        // Replace rather than TryAdd: asking for ReplCache should win over an earlier AddDistributedMemoryCache.
        services.Replace(ServiceDescriptor.Singleton<IDistributedCache>(static sp => sp.GetRequiredService<ReplicatedCache>()));
        services.Replace(ServiceDescriptor.Singleton<IBufferDistributedCache>(static sp => sp.GetRequiredService<ReplicatedCache>()));
        return services;
    }
}
