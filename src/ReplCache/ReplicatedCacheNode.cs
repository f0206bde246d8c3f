using System.Net;
using Microsoft.Extensions.Logging;
using ReplCache.Hosting;
using ReplCache.Resp;

namespace ReplCache;

/// <summary>
/// A standalone ReplCache node with its own listener — for console apps, workers and tests. In an ASP.NET Core
/// app, use <c>AddReplicatedCache</c> instead; both run the same core.
/// </summary>
public sealed class ReplicatedCacheNode : IAsyncDisposable
{
    /// <summary>How long a stopping primary waits for its secondaries to acknowledge everything it wrote, at most.</summary>
    public static readonly TimeSpan DefaultStopDrainTimeout = NodeCore.DefaultStopDrainTimeout;

    private readonly NodeCore _core;

    private ReplicatedCacheNode(NodeCore core) => _core = core;

    /// <summary>The bound address, port 0 resolved, e.g. <c>http://127.0.0.1:41873</c>.</summary>
    public Uri Address => _core.ListenAddress!;

    /// <summary>
    /// The bound Redis-protocol endpoint (<see cref="ReplicatedCacheOptions.RespListen"/>), port 0 resolved; null when
    /// none is configured. When RespListen names the same endpoint as Listen, its port is <see cref="Address"/>'s.
    /// </summary>
    public IPEndPoint? RespEndPoint => _core.Resp?.EndPoint;

    /// <summary>The node's cache.</summary>
    public ReplicatedCache Cache => _core.Cache;

    /// <summary>The node's replication control: INFO, REPLICAOF, WAIT.</summary>
    public IReplicationControl Replication => _core.Control;

    /// <summary>The node's core, for the server program and the tests.</summary>
    internal NodeCore Core => _core;

    /// <summary>The Redis-protocol endpoint's server, for its figures; null without RespListen.</summary>
    internal RespServer? Resp => _core.Resp;

    /// <summary>
    /// Completes once the node has stopped — by <see cref="StopAsync"/>, <see cref="DisposeAsync"/> or an operator's
    /// <c>SHUTDOWN</c> — so a host process can wait for it and exit.
    /// </summary>
    public Task Stopped => _core.Stopped;

    /// <summary>Starts a node listening on <see cref="ReplicatedCacheOptions.Listen"/>; a secondary starts connecting to its primary.</summary>
    public static Task<ReplicatedCacheNode> StartAsync(ReplicatedCacheOptions options, CancellationToken cancellationToken = default) =>
        StartAsync(options, loggerFactory: null, cancellationToken);

    /// <inheritdoc cref="StartAsync(ReplicatedCacheOptions, CancellationToken)"/>
    public static Task<ReplicatedCacheNode> StartAsync(ReplicatedCacheOptions options, ILoggerFactory? loggerFactory, CancellationToken cancellationToken = default) =>
        StartAsync(options, loggerFactory, meterFactory: null, cancellationToken);

    /// <summary>
    /// As <see cref="StartAsync(ReplicatedCacheOptions, CancellationToken)"/>, logging through
    /// <paramref name="loggerFactory"/> and publishing the <c>ReplCache</c> meter through <paramref name="meterFactory"/>
    /// (null: a meter of the node's own).
    /// </summary>
    public static async Task<ReplicatedCacheNode> StartAsync(ReplicatedCacheOptions options, ILoggerFactory? loggerFactory, System.Diagnostics.Metrics.IMeterFactory? meterFactory, CancellationToken cancellationToken = default)
    {
        ReplicatedCacheOptionsValidator.ThrowIfInvalid(options);
        if (options.Listen is null)
        {
            throw new ArgumentException("ReplicatedCacheOptions.Listen must be set for a standalone node, e.g. \"http://127.0.0.1:0\".", nameof(options));
        }

        var core = new NodeCore(options, loggerFactory, meterFactory);
        try
        {
            // An operator's SHUTDOWN stops this node; a host process waiting on Stopped then exits.
            await core.StartAsync(operatorShutdown: true, cancellationToken).ConfigureAwait(false);
            return new ReplicatedCacheNode(core);
        }
        catch
        {
            await core.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Saves the store to <see cref="ReplicatedCacheOptions.SnapshotPath"/> now, without stopping reads or writes
    /// (Redis's <c>BGSAVE</c>, with <c>SAVE</c>'s result: the task ends when the file is on disk).
    /// </summary>
    /// <exception cref="InvalidOperationException">No <see cref="ReplicatedCacheOptions.SnapshotPath"/> is configured.</exception>
    public async Task SaveAsync(CancellationToken cancellationToken = default) =>
        await _core.Snapshots.SaveAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Stops gracefully: a primary first lets its connected secondaries acknowledge everything it has written
    /// (at most <see cref="DefaultStopDrainTimeout"/>, or until <paramref name="cancellationToken"/> fires), as Redis 7
    /// does on shutdown; the store is saved when <see cref="ReplicatedCacheOptions.SnapshotPath"/> is set (and <see cref="ReplicatedCacheOptions.SaveOnStop"/> is true); then every
    /// link and the listener close.
    /// </summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => _core.StopAsync(save: null, cancellationToken);

    /// <summary>Stops the node (see <see cref="StopAsync"/>).</summary>
    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);
}
