using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ReplCache;
using ReplCache.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers several independent ReplCaches in one process, each under its own service key.</summary>
public static class ReplicatedCacheKeyedServiceCollectionExtensions
{
    /// <summary>
    /// Registers, under <paramref name="serviceKey"/>, a <see cref="ReplicatedCache"/> (also as the keyed
    /// <see cref="IDistributedCache"/> and <see cref="IBufferDistributedCache"/>) and its
    /// <see cref="IReplicationControl"/>: a node of its own, in a group of its own, with its own options and its own
    /// listener (<see cref="ReplicatedCacheOptions.Listen"/> is required: <c>MapReplicatedCache</c> maps only the
    /// unkeyed cache). The unkeyed <c>AddReplicatedCache</c> may be registered beside it. Options are validated at
    /// startup and are the named options of the key's text; calling it twice with one key adds up the configurations.
    /// </summary>
    public static IServiceCollection AddKeyedReplicatedCache(this IServiceCollection services, object serviceKey, Action<ReplicatedCacheOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(serviceKey);
        ArgumentNullException.ThrowIfNull(configure);
        string name = KeyedCacheName.Of(serviceKey);
        services.AddOptions<ReplicatedCacheOptions>(name).Configure(configure);
        return AddKeyedCore(services, serviceKey, name);
    }

    /// <summary>As <see cref="AddKeyedReplicatedCache(IServiceCollection, object, Action{ReplicatedCacheOptions})"/>, binding the options from a configuration section.</summary>
    public static IServiceCollection AddKeyedReplicatedCache(this IServiceCollection services, object serviceKey, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(serviceKey);
        ArgumentNullException.ThrowIfNull(section);
        string name = KeyedCacheName.Of(serviceKey);
        services.AddOptions<ReplicatedCacheOptions>(name).Bind(section);
        return AddKeyedCore(services, serviceKey, name);
    }

    private static IServiceCollection AddKeyedCore(IServiceCollection services, object serviceKey, string name)
    {
        foreach (ServiceDescriptor registered in services)
        {
            if (registered.IsKeyedService && registered.ServiceType == typeof(NodeCore) && KeyedCacheName.Of(registered.ServiceKey!) == name)
            {
                return Equals(registered.ServiceKey, serviceKey)
                    ? services // a second call for the same key: the configurations add up, the services are there
                    : throw new ArgumentException($"Another keyed ReplicatedCache is named '{name}' ({registered.ServiceKey!.GetType().Name} key): the names of keyed caches must differ, they name their options.", nameof(serviceKey));
            }
        }

        services.AddOptions<ReplicatedCacheOptions>(name)
            .Validate(static o => o.Listen is not null, $"ReplicatedCacheOptions.Listen must be set for the keyed cache '{name}': each keyed cache is a node with its own listener (MapReplicatedCache maps only the unkeyed cache) (was 'null').")
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ReplicatedCacheOptions>, ReplicatedCacheOptionsValidator>());
        services.AddMetrics();
        services.AddKeyedSingleton(serviceKey, (sp, _) => new NodeCore(
            sp.GetRequiredService<IOptionsMonitor<ReplicatedCacheOptions>>().Get(name),
            sp.GetService<ILoggerFactory>(),
            sp.GetService<System.Diagnostics.Metrics.IMeterFactory>(),
            cacheName: name));
        services.AddKeyedSingleton(serviceKey, static (sp, key) => sp.GetRequiredKeyedService<NodeCore>(key).Cache);
        services.AddKeyedSingleton<IDistributedCache>(serviceKey, static (sp, key) => sp.GetRequiredKeyedService<ReplicatedCache>(key));
        services.AddKeyedSingleton<IBufferDistributedCache>(serviceKey, static (sp, key) => sp.GetRequiredKeyedService<ReplicatedCache>(key));
        services.AddKeyedSingleton(serviceKey, static (sp, key) => sp.GetRequiredKeyedService<NodeCore>(key).Control);

        // Factories, not TryAddEnumerable: one hosted service per key, each on its own node.
        services.AddSingleton<IHostedService>(sp => new ReplicationHostedService(sp.GetRequiredKeyedService<NodeCore>(serviceKey)));
        services.AddSingleton<IHostedService>(sp => new OptionsReload(sp.GetRequiredKeyedService<NodeCore>(serviceKey), sp.GetRequiredService<IOptionsMonitor<ReplicatedCacheOptions>>(), name));
        services.AddSingleton<IHostedService>(sp =>
        {
            NodeCore core = sp.GetRequiredKeyedService<NodeCore>(serviceKey);
            return new HybridCacheCoherence(core.AppliedKeys, core.Route, core.Control, sp, sp.GetService<ILoggerFactory>()) { ServiceKey = serviceKey };
        });
        return services;
    }
}
