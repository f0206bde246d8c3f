using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ReplCache;
using ReplCache.AspNetCore.Consistency;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Adds ReplCache's read-your-writes middleware: <c>app.UseReplicatedCacheConsistency()</c>.</summary>
public static class ReplicatedCacheConsistencyApplicationBuilderExtensions
{
    /// <summary>
    /// A response to a request that wrote through this node's cache carries the header (and cookie)
    /// <c>ReplCache-Position: &lt;replicationId&gt;:&lt;offset&gt;</c>; a request that carries either waits, at most
    /// <see cref="ReplicatedCacheConsistencyOptions.MaxWait"/>, until this node has applied that position before the
    /// rest of the pipeline runs. Place it before anything that reads the cache (<c>UseSession</c>, output caching).
    /// Needs <c>AddReplicatedCache</c>; options come from <c>services.Configure&lt;ReplicatedCacheConsistencyOptions&gt;</c>.
    /// </summary>
    public static IApplicationBuilder UseReplicatedCacheConsistency(this IApplicationBuilder app) =>
        UseReplicatedCacheConsistency(app, configure: null);

    /// <inheritdoc cref="UseReplicatedCacheConsistency(IApplicationBuilder)"/>
    /// <param name="app">The application's pipeline.</param>
    /// <param name="configure">Changes the options after those configured in the services.</param>
    public static IApplicationBuilder UseReplicatedCacheConsistency(this IApplicationBuilder app, Action<ReplicatedCacheConsistencyOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(app);
        IServiceProvider services = app.ApplicationServices;
        ReplicatedCacheConsistencyOptions configured = services.GetService<IOptions<ReplicatedCacheConsistencyOptions>>()?.Value ?? new();
        var options = new ReplicatedCacheConsistencyOptions { MaxWait = configured.MaxWait, ServeStaleAfterMaxWait = configured.ServeStaleAfterMaxWait };
        configure?.Invoke(options);
        Validate(options);

        if (services.GetService<WriteRoute>() is not { } route)
        {
            throw new InvalidOperationException("UseReplicatedCacheConsistency needs the services of AddReplicatedCache; call services.AddReplicatedCache(...) first.");
        }

        route.Writes ??= new RequestWriteTracker();
        IReplicationControl replication = services.GetRequiredService<IReplicationControl>();
        ILogger logger = (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("ReplCache.Consistency");
        return app.Use(next => new ConsistencyMiddleware(next, replication, options, logger).InvokeAsync);
    }

    private static void Validate(ReplicatedCacheConsistencyOptions options)
    {
        if (options.MaxWait <= TimeSpan.Zero || options.MaxWait > TimeSpan.FromMinutes(1))
        {
            throw new OptionsValidationException(
                nameof(ReplicatedCacheConsistencyOptions.MaxWait),
                typeof(ReplicatedCacheConsistencyOptions),
                [$"ReplicatedCacheConsistencyOptions.MaxWait must be positive and at most 1 minute (was {options.MaxWait})."]);
        }
    }
}
