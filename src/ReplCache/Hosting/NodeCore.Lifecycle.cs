using ReplCache.Resp;

namespace ReplCache.Hosting;

internal sealed partial class NodeCore
{
    /// <summary>
    /// Starts the node: loads its snapshot, opens its listeners — its own Kestrel listener with
    /// <see cref="ReplicatedCacheOptions.Listen"/> (the Redis-protocol endpoint on it or beside it), or only the
    /// Redis-protocol one when an app serves replication (<c>MapReplicatedCache</c>) — starts the save schedule and,
    /// with <see cref="ReplicatedCacheOptions.PrimaryAddress"/> or the primary the Sentinels name, the link to it.
    /// </summary>
    /// <param name="operatorShutdown">
    /// Whether an operator's <c>SHUTDOWN</c> stops the node (<see cref="Shutdown"/>); false where the application owns
    /// the node's lifetime (hosted with <c>AddReplicatedCache</c>), and the endpoint then refuses SHUTDOWN, saying to
    /// stop the application instead.
    /// </param>
    /// <param name="cancellationToken">Abandons the start; the caller then disposes the node.</param>
    public async Task StartAsync(bool operatorShutdown, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("The node was started already.");
        }

        // With Sentinels, they say whom to follow — asked before the snapshot loads, which keeps its history as a
        // secondary's and takes a new one as a primary's.
        Uri? primary = Options.Sentinel.Endpoints.Count > 0
            ? await SentinelDiscovery.FindPrimaryAsync(Options, _logger, cancellationToken).ConfigureAwait(false)
            : Options.PrimaryAddress;
        await Snapshots.LoadAsync(asPrimary: primary is null, cancellationToken).ConfigureAwait(false);
        if (Resp is not null && operatorShutdown)
        {
            Resp.Shutdown = Shutdown.RequestAsync;
            Resp.AbortShutdown = Shutdown.Abort;
        }

        if (Options.Listen is not null)
        {
            _listener = await ReplicationListener.StartAsync(Options, Tls, GrpcService, Resp, _loggerFactory, cancellationToken).ConfigureAwait(false);
            State.AdvertisedAddress = Options.AnnounceAddress ?? _listener.Address;
        }
        else
        {
            State.AdvertisedAddress = Options.AnnounceAddress;
            if (Resp is not null)
            {
                _respListener = await RespListener.StartAsync(Resp, Options, Tls, _loggerFactory, cancellationToken).ConfigureAwait(false);
            }
        }

        ProtectedMode.WarnIfExposed(Options, _logger);
        _schedule.Start();
        if (primary is not null)
        {
            await Links.ReplicaOfAsync(primary, fromConfiguration: true, cancellationToken).ConfigureAwait(false);
        }

        _hasStarted = true;
    }

    /// <summary>
    /// Stops gracefully: a primary first lets its connected secondaries acknowledge everything it has written (at most
    /// <see cref="DefaultStopDrainTimeout"/>, or until <paramref name="cancellationToken"/> fires), as Redis 7 does on
    /// shutdown; the store is saved when <see cref="ReplicatedCacheOptions.SnapshotPath"/> is set and
    /// <paramref name="save"/> (or, when null, <see cref="ReplicatedCacheOptions.SaveOnStop"/>) says so; then every
    /// link, loop and listener ends. A second caller returns once the first has stopped the node.
    /// </summary>
    public Task StopAsync(bool? save, CancellationToken cancellationToken) => StopAsync(save, drain: true, cancellationToken);

    /// <summary><see cref="StopAsync(bool?, CancellationToken)"/>, without the drain when an operator's shutdown has waited already.</summary>
    private async Task StopAsync(bool? save, bool drain, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopRequested, 1) != 0)
        {
            await Stopped.WaitAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            if (drain && State.Role == ReplicationRole.Primary)
            {
                await Replicas.DrainAsync(DefaultStopDrainTimeout, cancellationToken).ConfigureAwait(false);
            }

            if (Options.SnapshotPath is not null && (save ?? Options.SaveOnStop))
            {
                await Snapshots.SaveAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Ends every link, loop, timer and listener at once, without the drain and save of <see cref="StopAsync(bool?, CancellationToken)"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            await Stopped.ConfigureAwait(false);
            return;
        }

        try
        {
            if (_respListener is not null)
            {
                await _respListener.DisposeAsync().ConfigureAwait(false); // no client command runs on a stopped node
            }

            await Links.DisposeAsync().ConfigureAwait(false);
            EndLoops();
            if (_listener is not null)
            {
                await _listener.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _stopped.TrySetResult();
        }
    }

    /// <summary>
    /// Synchronous disposal, for containers disposed with <c>Dispose</c>: stops every loop without waiting for them
    /// (they end within moments, on their cancelled tokens), and starts closing the listeners. Prefer
    /// <see cref="DisposeAsync"/>.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Links.Stop();
        EndLoops();
        ValueTask closing = CloseListenersInBackground();
        _ = closing.AsTask().ContinueWith(static (_, s) => ((TaskCompletionSource)s!).TrySetResult(), _stopped, TaskScheduler.Default);
    }

    private async ValueTask CloseListenersInBackground()
    {
        if (_respListener is not null)
        {
            await _respListener.DisposeAsync().ConfigureAwait(false);
        }

        if (_listener is not null)
        {
            await _listener.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Cancels every session and timer of the node; the link has been stopped by the caller.</summary>
    private void EndLoops()
    {
        _schedule.Dispose();
        Backlog.Dispose();
        _stopping.Cancel();
        ReplicationLog.DetachAll("the node is shutting down");
        Replicas.DisconnectAll();
        Store.Dispose();
        Metrics.Dispose();
        Tls.Dispose(); // stops watching the certificate files
    }
}
