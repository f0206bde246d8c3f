using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ReplCache.FaultInjection;

/// <summary>A Redis error reply.</summary>
public sealed record RespError(string Message);

/// <summary>
/// A minimal async RESP2 client for one server, every call bounded by a timeout: a reply is a string (simple or
/// bulk), a long, null, a <see cref="RespError"/> or an array of those. A connection that failed is not used again.
/// </summary>
public sealed class RespConnection : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly BufferedStream _reader;

    private RespConnection(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _reader = new BufferedStream(_stream, 16 * 1024);
    }

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(2);

    public static async Task<RespConnection> ConnectAsync(int port, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var tcp = new TcpClient(AddressFamily.InterNetwork) { NoDelay = true };
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(timeout ?? DefaultTimeout);
        try
        {
            await tcp.ConnectAsync(IPAddress.Loopback, port, bound.Token).ConfigureAwait(false);
            return new RespConnection(tcp);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>One command and its reply; <see cref="TimeoutException"/> past <paramref name="timeout"/>.</summary>
    public async Task<object?> CallAsync(TimeSpan timeout, CancellationToken cancellationToken, params string[] args)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(timeout);
        try
        {
            var command = new StringBuilder();
            command.Append('*').Append(args.Length).Append("\r\n");
            foreach (string arg in args)
            {
                command.Append('$').Append(Encoding.UTF8.GetByteCount(arg)).Append("\r\n").Append(arg).Append("\r\n");
            }

            await _stream.WriteAsync(Encoding.UTF8.GetBytes(command.ToString()), bound.Token).ConfigureAwait(false);
            return await ReadAsync(bound.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no reply to {args[0]} within {timeout.TotalMilliseconds:F0} ms");
        }
    }

    public Task<object?> CallAsync(params string[] args) => CallAsync(DefaultTimeout, CancellationToken.None, args);

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<object?> ReadAsync(CancellationToken cancellationToken)
    {
        string line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
        switch (line[0])
        {
            case '+':
                return line[1..];
            case '-':
                return new RespError(line[1..]);
            case ':':
                return long.Parse(line.AsSpan(1), CultureInfo.InvariantCulture);
            case '$':
                int length = int.Parse(line.AsSpan(1), CultureInfo.InvariantCulture);
                if (length < 0)
                {
                    return null;
                }

                byte[] data = new byte[length + 2];
                await _reader.ReadExactlyAsync(data, cancellationToken).ConfigureAwait(false);
                return Encoding.UTF8.GetString(data, 0, length);
            case '*':
                int count = int.Parse(line.AsSpan(1), CultureInfo.InvariantCulture);
                if (count < 0)
                {
                    return null;
                }

                var items = new object?[count];
                for (int i = 0; i < count; i++)
                {
                    items[i] = await ReadAsync(cancellationToken).ConfigureAwait(false);
                }

                return items;
            default:
                throw new InvalidDataException("unexpected RESP reply: " + line);
        }
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        byte[] one = new byte[1];
        while (true)
        {
            if (await _reader.ReadAsync(one, cancellationToken).ConfigureAwait(false) == 0)
            {
                throw new IOException("the server closed the connection");
            }

            if (one[0] == '\r')
            {
                await _reader.ReadExactlyAsync(one, cancellationToken).ConfigureAwait(false);
                return line.ToString();
            }

            line.Append((char)one[0]);
        }
    }
}
