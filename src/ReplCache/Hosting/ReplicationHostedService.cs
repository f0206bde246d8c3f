using Microsoft.Extensions.Hosting;

namespace ReplCache.Hosting;

/// <summary>
/// Runs a node inside a generic host: starts and stops its <see cref="NodeCore"/> with the host. The application owns
/// the node's lifetime here, so the Redis-protocol endpoint gets no SHUTDOWN hook and refuses it.
/// </summary>
internal sealed class ReplicationHostedService(NodeCore core) : IHostedService
{
    /// <summary>The bound Redis-protocol endpoint once started; null without RespListen.</summary>
    internal System.Net.IPEndPoint? RespEndPoint => core.Resp?.EndPoint;

    public Task StartAsync(CancellationToken cancellationToken) => core.StartAsync(operatorShutdown: false, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => core.StopAsync(save: null, cancellationToken);
}
