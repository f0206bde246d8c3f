using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;

namespace ReplCache.Hosting.Transport;

/// <summary>
/// Kestrel's transport for a node's own listener: sockets served by threads of the library's own instead of the
/// thread pool, so that replication keeps moving while the host blocks its pool.
/// </summary>
/// <remarks>
/// Kestrel's socket transport cannot do this on Linux: every asynchronous socket completion there runs on a pool
/// thread, whatever <c>UnsafePreferInlineScheduling</c> says. With this transport and HTTP/1.1 (gRPC-Web), a link's
/// bytes are parsed and its gRPC calls run on the connection's own threads. (HTTP/2 cannot be helped this way:
/// Kestrel's HTTP/2 frame writer is a loop on the pool, so its responses stop with the pool, measured in the note of
/// this change.) What still needs a pool thread: starting each new connection (Kestrel dispatches it to the pool
/// once), so a link that reconnects while the pool is blocked waits for it.
/// </remarks>
internal sealed class OwnedThreadTransportFactory(string name) : IConnectionListenerFactory
{
    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        if (endpoint is PipelineOnlyEndPoint pipelineOnly)
        {
            return ValueTask.FromResult<IConnectionListener>(new PipelineOnlyEndPoint.Listener(pipelineOnly));
        }

        Socket socket = ListeningSocket.Open(endpoint);
        return ValueTask.FromResult<IConnectionListener>(new Listener(socket, name));
    }

    /// <summary>An accept thread feeding Kestrel's accept loop; the loop continues inline on that thread.</summary>
    private sealed class Listener : IConnectionListener
    {
        private readonly Socket _socket;
        private readonly string _name;
        private readonly Channel<OwnedThreadConnection> _accepted = Channel.CreateBounded<OwnedThreadConnection>(
            new BoundedChannelOptions(64) { SingleReader = true, SingleWriter = true, AllowSynchronousContinuations = true });

        private readonly Thread _acceptor;

        public Listener(Socket socket, string name)
        {
            _socket = socket;
            _name = name;
            EndPoint = socket.LocalEndPoint!;
            _acceptor = new Thread(Accept) { IsBackground = true, Name = $"{name} accept {EndPoint}" };
            _acceptor.Start();
        }

        public EndPoint EndPoint { get; }

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            try
            {
                if (await _accepted.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false) && _accepted.Reader.TryRead(out OwnedThreadConnection? connection))
                {
                    connection.Start();
                    return connection;
                }
            }
            catch (OperationCanceledException)
            {
            }

            return null; // unbound: Kestrel's accept loop ends
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            _socket.Dispose(); // the acceptor's Accept fails and it completes the channel
            return default;
        }

        public ValueTask DisposeAsync()
        {
            _socket.Dispose();
            while (_accepted.Reader.TryRead(out OwnedThreadConnection? unclaimed))
            {
                unclaimed.Abort(new ConnectionAbortedException("The listener stopped."));
            }

            return default;
        }

        private void Accept()
        {
            while (true)
            {
                Socket accepted;
                try
                {
                    accepted = _socket.Accept();
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
                {
                    _accepted.Writer.TryComplete();
                    return;
                }

                accepted.NoDelay = true;
                var connection = new OwnedThreadConnection(accepted, _name);
                // Bounded: when Kestrel stops accepting, connections wait in the kernel's backlog, not here.
                if (!_accepted.Writer.WaitToWriteAsync().AsTask().GetAwaiter().GetResult() || !_accepted.Writer.TryWrite(connection))
                {
                    accepted.Dispose();
                    return;
                }
            }
        }
    }
}
