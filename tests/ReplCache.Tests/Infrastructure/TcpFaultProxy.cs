using System.Net;
using System.Net.Sockets;

namespace ReplCache.Tests.Infrastructure;

/// <summary>
/// A TCP proxy on 127.0.0.1 between a secondary and its primary, for faults: drop every connection, refuse new
/// ones for a while, or stall (stop reading from the primary, so the primary's writes back up on flow control).
/// </summary>
internal sealed class TcpFaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly List<(TcpClient Client, TcpClient Upstream, CancellationTokenSource Cancel)> _connections = [];
    private readonly Task _accepting;
    private volatile bool _refusing;
    private volatile TaskCompletionSource _flowing = Completed();
    private volatile TaskCompletionSource _flowingUp = Completed();

    public TcpFaultProxy(Uri target)
    {
        _target = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Address = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _accepting = AcceptAsync();
    }

    public Uri Address { get; }

    public int ConnectionsAccepted { get; private set; }

    /// <summary>Closes every proxied connection at once (both sides see a reset).</summary>
    public void KillAll()
    {
        lock (_gate)
        {
            foreach ((TcpClient client, TcpClient upstream, CancellationTokenSource cancel) in _connections)
            {
                cancel.Cancel();
                client.Client.LingerState = new LingerOption(true, 0);
                client.Dispose();
                upstream.Dispose();
            }

            _connections.Clear();
        }
    }

    /// <summary>While refusing, new connections are closed as soon as they are accepted.</summary>
    public void Refuse(bool refuse) => _refusing = refuse;

    /// <summary>
    /// Stops forwarding from the primary to the secondary (and, with <paramref name="bothWays"/>, the other way too):
    /// the proxy stops reading, like a stalled peer.
    /// </summary>
    public void Stall(bool bothWays = false)
    {
        if (_flowing.Task.IsCompleted)
        {
            _flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        if (bothWays && _flowingUp.Task.IsCompleted)
        {
            _flowingUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void Resume()
    {
        _flowing.TrySetResult();
        _flowingUp.TrySetResult();
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        Resume();
        KillAll();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private static TaskCompletionSource Completed()
    {
        var done = new TaskCompletionSource();
        done.SetResult();
        return done;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client = await _listener.AcceptTcpClientAsync(_stop.Token);
            ConnectionsAccepted++;
            if (_refusing)
            {
                client.Client.LingerState = new LingerOption(true, 0);
                client.Dispose();
                continue;
            }

            var upstream = new TcpClient();
            try
            {
                await upstream.ConnectAsync(_target, _stop.Token);
            }
            catch (SocketException)
            {
                client.Dispose();
                upstream.Dispose();
                continue;
            }

            var cancel = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            lock (_gate)
            {
                _connections.Add((client, upstream, cancel));
            }

            NetworkStream fromClient, toUpstream;
            try
            {
                fromClient = client.GetStream();
                toUpstream = upstream.GetStream();
            }
            catch (InvalidOperationException)
            {
                // The client (or the node) closed before the pumps started: nothing to relay, keep accepting.
                client.Dispose();
                upstream.Dispose();
                continue;
            }

            _ = PumpAsync(fromClient, toUpstream, () => _flowingUp, cancel.Token);
            _ = PumpAsync(toUpstream, fromClient, () => _flowing, cancel.Token);
        }
    }

    private static async Task PumpAsync(NetworkStream from, NetworkStream to, Func<TaskCompletionSource> gate, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[64 * 1024];
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await gate().Task.WaitAsync(cancellationToken);

                int read = await from.ReadAsync(buffer, cancellationToken);
                if (read == 0)
                {
                    break;
                }

                // Checked again after the read: bytes that arrive once a stall has begun are held, not forwarded.
                await gate().Task.WaitAsync(cancellationToken);
                await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
        finally
        {
            try
            {
                to.Socket.Shutdown(SocketShutdown.Send);
            }
            catch (Exception ex) when (ex is ObjectDisposedException or SocketException)
            {
            }
        }
    }
}
