using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ReplCache.Hosting;

/// <summary>
/// Applies a configuration reload to a running node (<c>AddReplicatedCache</c>, through <see cref="IOptionsMonitor{TOptions}"/>):
/// the settings every part reads at each use — the ones <c>CONFIG SET</c> may change, <see cref="ReplicatedCacheOptions.AuthToken"/>
/// first among them — are copied onto the node's live options, so a rotated secret takes effect without a restart and
/// without dropping a link. The others (addresses, sizes, files) need a restart, as in Redis, and a reload leaves them.
/// </summary>
/// <remarks>
/// The monitor builds and validates a new options object on every reload; an invalid one throws there, before this
/// sees it, so the node keeps the settings it had.
/// </remarks>
internal sealed class OptionsReload(NodeCore core, IOptionsMonitor<ReplicatedCacheOptions> monitor, string name) : IHostedService, IDisposable
{
    private readonly Lock _applying = new();
    private IDisposable? _subscription;

    public OptionsReload(NodeCore core, IOptionsMonitor<ReplicatedCacheOptions> monitor)
        : this(core, monitor, Options.DefaultName)
    {
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = monitor.OnChange((reloaded, changed) =>
        {
            if (changed == name)
            {
                Apply(reloaded, core.Options, core.AuthTokens);
            }
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => Interlocked.Exchange(ref _subscription, null)?.Dispose();

    private void Apply(ReplicatedCacheOptions reloaded, ReplicatedCacheOptions live, Protocol.AuthTokenRotation tokens)
    {
        lock (_applying)
        {
            live.ServeStaleData = reloaded.ServeStaleData;
            live.ReplicaPriority = reloaded.ReplicaPriority;
            live.ReplicaAnnounced = reloaded.ReplicaAnnounced;
            live.MinReplicasToWrite = reloaded.MinReplicasToWrite;
            live.MinReplicasMaxLag = reloaded.MinReplicasMaxLag;
            live.BacklogTtl = reloaded.BacklogTtl;
            // The grace first: the token replaced next is accepted for the new grace period, not the old one.
            live.AuthTokenGracePeriod = reloaded.AuthTokenGracePeriod;
            live.AuthToken = reloaded.AuthToken;
            tokens.Observe();
        }
    }
}
