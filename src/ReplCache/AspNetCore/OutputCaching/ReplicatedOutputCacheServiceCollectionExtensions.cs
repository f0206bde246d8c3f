using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ReplCache.AspNetCore.OutputCaching;
using ReplCache.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Puts ASP.NET Core output caching on ReplCache: <c>services.AddReplicatedOutputCache()</c>.</summary>
public static class ReplicatedOutputCacheServiceCollectionExtensions
{
    /// <summary>
    /// Registers the <see cref="IOutputCacheStore"/> (an <see cref="IOutputCacheBufferStore"/>) of output caching over
    /// the ReplicatedCache registered under <paramref name="serviceKey"/> (null: the unkeyed one), and the output
    /// caching services (<c>AddOutputCache</c>). A response cached by one instance is served by every instance of the
    /// group; <c>EvictByTagAsync</c> on any instance evicts the tag's entries on all of them, as one replicated write.
    /// Secondaries store through their primary whatever <c>ReplicaWrites</c> says.
    /// </summary>
    public static IServiceCollection AddReplicatedOutputCache(this IServiceCollection services, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOutputCache();
        // Replace rather than TryAdd: AddOutputCache registers its in-memory store, whichever call came first.
        services.Replace(ServiceDescriptor.Singleton<IOutputCacheStore>(sp =>
        {
            NodeCore core = RegisteredNode.Resolve(sp, serviceKey, nameof(AddReplicatedOutputCache));
            ILogger logger = (sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("ReplCache.OutputCache");
            return new ReplicatedOutputCacheStore(core.Cache, core.Route, logger);
        }));
        return services;
    }
}
