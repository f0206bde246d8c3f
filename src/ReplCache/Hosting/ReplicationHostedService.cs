using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ReplCache.Replication;

namespace ReplCache.Hosting;

/// <summary>
/// Runs a node inside a generic host: its own listener when <see cref="ReplicatedCacheOptions.Listen"/> is set,
/// and the link to its primary when <see cref="ReplicatedCacheOptions.PrimaryAddress"/> is. Stops as
/// <see cref="ReplicatedCacheNode.StopAsync"/> does.
/// </summary>
internal sealed class ReplicationHostedService(ReplicationController node, ILoggerFactory? loggerFactory = null) : IHostedService
{
    private ReplicationListener? _listener;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await node.LoadSnapshotAsync(cancellationToken).ConfigureAwait(false);
        if (node.Options.Listen is not null)
        {
            _listener = await ReplicationListener.StartAsync(node, loggerFactory, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            node.AdvertisedAddress ??= node.Options.AnnounceAddress;
        }

        await node.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await node.DrainAsync(ReplicatedCacheNode.DefaultStopDrainTimeout, cancellationToken).ConfigureAwait(false);
            if (node.Options is { SnapshotPath: not null, SaveOnStop: true })
            {
                await node.SaveSnapshotAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await node.DisposeAsync().ConfigureAwait(false);
            if (_listener is not null)
            {
                await _listener.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
