using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ReplCache.Replication;
using ReplCache.Resp;

namespace ReplCache.Hosting;

/// <summary>
/// Runs a node inside a generic host: its own listener when <see cref="ReplicatedCacheOptions.Listen"/> is set, a
/// Redis-protocol listener when <see cref="ReplicatedCacheOptions.RespListen"/> is (sharing the Listen port when it
/// names the same endpoint), and the link to its primary when <see cref="ReplicatedCacheOptions.PrimaryAddress"/>
/// is. Stops as <see cref="ReplicatedCacheNode.StopAsync"/> does.
/// </summary>
internal sealed class ReplicationHostedService(ReplicationController node, ILoggerFactory? loggerFactory = null) : IHostedService
{
    private ReplicationListener? _listener;
    private RespListener? _respListener;
    private RespServer? _resp;

    /// <summary>The bound Redis-protocol endpoint once started; null without RespListen.</summary>
    internal System.Net.IPEndPoint? RespEndPoint => _resp?.EndPoint;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await node.LoadSnapshotAsync(cancellationToken).ConfigureAwait(false);
        // The application owns the node's lifetime here, so the endpoint gets no SHUTDOWN hook and refuses it.
        RespServer? resp = _resp = node.Options.RespListen is null ? null : new RespServer(node, loggerFactory);
        if (node.Options.Listen is not null)
        {
            _listener = await ReplicationListener.StartAsync(node, loggerFactory, resp, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            node.AdvertisedAddress ??= node.Options.AnnounceAddress;
            if (resp is not null)
            {
                _respListener = await RespListener.StartAsync(resp, node.Options.RespListen!, loggerFactory, cancellationToken).ConfigureAwait(false);
            }
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
            if (_respListener is not null)
            {
                await _respListener.DisposeAsync().ConfigureAwait(false); // no client command runs on a stopped node
            }

            await node.DisposeAsync().ConfigureAwait(false);
            if (_listener is not null)
            {
                await _listener.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
