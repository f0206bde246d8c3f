using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ReplCache.AspNetCore.DataProtection;
using ReplCache.Hosting;

namespace Microsoft.AspNetCore.DataProtection;

/// <summary>Keeps the Data Protection key ring in ReplCache: <c>AddDataProtection().PersistKeysToReplicatedCache()</c>.</summary>
public static class ReplicatedCacheDataProtectionBuilderExtensions
{
    /// <summary>
    /// Stores the key ring in the ReplicatedCache registered under <paramref name="serviceKey"/> (null: the unkeyed
    /// one), under <paramref name="key"/>: every instance of the farm shares one ring and may add keys from any node.
    /// Its entries are never evicted by <c>SizeLimitBytes</c> and never expire; with <c>SnapshotPath</c> they survive
    /// a restart of the primary. A node that has not synced with its primary refuses to read the ring (it waits a
    /// few seconds first) instead of seeing an empty one and starting a ring of its own. Give every instance the same
    /// <c>SetApplicationName</c>.
    /// </summary>
    public static IDataProtectionBuilder PersistKeysToReplicatedCache(this IDataProtectionBuilder builder, string key = "DataProtection-Keys", object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(key);
        builder.Services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(options =>
        {
            NodeCore core = RegisteredNode.Resolve(sp, serviceKey, nameof(PersistKeysToReplicatedCache));
            ILogger logger = (sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("ReplCache.DataProtection");
            var readiness = new KeyRingReadiness(() => core.HasStarted, () => core.HoldsCompleteCopy, core.Control);
            options.XmlRepository = new ReplicatedXmlRepository(key, core.Cache, core.Route, readiness, core.Control.GetInfo().NodeId, logger);
        }));
        return builder;
    }
}
