using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace ReplCache.Hosting.Transport.EventLoop;

/// <summary>
/// Kestrel's transport for the Redis-protocol port on Linux: every connection of a listener served by one
/// <see cref="SocketEventLoop"/> thread of the library's own, as redis-server serves its clients from one event loop.
/// </summary>
/// <remarks>
/// One thread, not one per core: a RESP command takes a microsecond or so, a round trip through the kernel several,
/// and the loop spends its time in the kernel's loopback or network stack either way; a second loop would compete
/// with the clients for the cores (redis-benchmark and its server share two here). Accepting stays with .NET's socket
/// engine (a connection's start is rare); from then on no byte of the connection passes through the thread pool.
/// </remarks>
/// <param name="name">Names the loop's thread.</param>
/// <param name="serves">Which of the host's endpoints this transport binds (Kestrel binds the others with the transport registered before it); null: all.</param>
internal sealed class EventLoopTransportFactory(string name, Func<EndPoint, bool>? serves = null) : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint && (serves is null || serves(endpoint));

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        Socket socket = ListeningSocket.Open(endpoint);
        try
        {
            return ValueTask.FromResult<IConnectionListener>(new Listener(socket, new SocketEventLoop($"{name} event loop {socket.LocalEndPoint}")));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private sealed class Listener(Socket socket, SocketEventLoop loop) : IConnectionListener
    {
        /// <summary>How long a dispose waits for connections still closing: their drain (5 s) and a margin.</summary>
        private static readonly TimeSpan ClosingTimeout = TimeSpan.FromSeconds(10);

        private readonly Lock _gate = new();
        private readonly TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _live;
        private bool _disposed;

        public EndPoint EndPoint { get; } = socket.LocalEndPoint!;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            while (true)
            {
                Socket accepted;
                try
                {
                    accepted = await socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
                {
                    continue; // the client gave up before it was accepted
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
                {
                    return null; // unbound: Kestrel's accept loop ends
                }

                accepted.NoDelay = true;
                lock (_gate)
                {
                    if (_disposed)
                    {
                        accepted.Dispose();
                        return null;
                    }

                    _live++;
                }

                var connection = new EventLoopConnection(accepted, loop, Ended);
                connection.Start();
                return connection;
            }
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            socket.Dispose(); // a pending accept fails, and Kestrel's accept loop ends
            return default;
        }

        /// <summary>
        /// Stops the loop once the last connection is closed. Kestrel disposes its listeners once its connections'
        /// handlers have ended, which can be before their transports finished closing (a close runs on the loop), so
        /// this waits for them, bounded: a dispose that returned with the loop's thread still running would leave a
        /// thread behind the node.
        /// </summary>
        public async ValueTask DisposeAsync()
        {
            socket.Dispose();
            lock (_gate)
            {
                _disposed = true;
                if (_live == 0)
                {
                    _idle.TrySetResult();
                }
            }

            try
            {
                await _idle.Task.WaitAsync(ClosingTimeout).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // A connection that never finished closing: the loop stops anyway, its close is not run.
            }

            loop.Dispose();
        }

        private void Ended()
        {
            lock (_gate)
            {
                if (--_live == 0 && _disposed)
                {
                    _idle.TrySetResult();
                }
            }
        }
    }
}
