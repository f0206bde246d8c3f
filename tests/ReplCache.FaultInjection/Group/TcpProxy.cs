using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace ReplCache.FaultInjection.Group;

/// <summary>
/// The runner's own TCP proxy in front of one node's port: while cut, every connection through it is reset and new
/// ones are closed on accept (a partition); while slowed, every chunk waits before it is forwarded (a slow link).
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Socket, byte> _open = new();
    private readonly Task _accepting;
    private volatile bool _cut;
    private long _delayTicks;

    public TcpProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    public bool IsCut => _cut;

    /// <summary>A partition: resets every connection through the proxy and refuses new ones until <see cref="Heal"/>.</summary>
    public void Cut()
    {
        _cut = true;
        foreach (Socket socket in _open.Keys)
        {
            Reset(socket);
        }
    }

    /// <summary>Ends a cut and a slow-down.</summary>
    public void Heal()
    {
        _cut = false;
        Interlocked.Exchange(ref _delayTicks, 0);
    }

    /// <summary>A slow link: every chunk waits <paramref name="delay"/> before it is forwarded.</summary>
    public void Slow(TimeSpan delay) => Interlocked.Exchange(ref _delayTicks, delay.Ticks);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        foreach (Socket socket in _open.Keys)
        {
            Reset(socket);
        }

        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            if (_cut)
            {
                Reset(client);
                continue;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        _open[client] = 0;
        _open[server] = 0;
        try
        {
            await server.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token).ConfigureAwait(false);
            await Task.WhenAny(PumpAsync(client, server), PumpAsync(server, client)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            _open.TryRemove(client, out _);
            _open.TryRemove(server, out _);
            Reset(client);
            Reset(server);
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        byte[] buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                int read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                if (read == 0 || _cut)
                {
                    return;
                }

                long delay = Interlocked.Read(ref _delayTicks);
                if (delay > 0)
                {
                    await Task.Delay(TimeSpan.FromTicks(delay), _stop.Token).ConfigureAwait(false);
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0); // RST, as a partition looks to both ends once it is noticed
            socket.Close();
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }
}
