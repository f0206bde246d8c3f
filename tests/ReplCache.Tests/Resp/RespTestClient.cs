using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ReplCache.Tests.Resp;

/// <summary>An error reply, kept apart from status replies so a test cannot mistake one for the other.</summary>
internal sealed record RespError(string Message);

/// <summary>
/// A tiny RESP2 client over a real socket: replies come back as <c>string</c> (status and bulk), <c>long</c>,
/// <c>null</c> (nil), <see cref="RespError"/> or <c>object?[]</c> (arrays; null for a nil array).
/// </summary>
internal sealed class RespTestClient : IAsyncDisposable
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(20);

    private readonly TcpClient _tcp;
    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private RespTestClient(TcpClient tcp, Stream? stream = null)
    {
        _tcp = tcp;
        _stream = stream ?? tcp.GetStream();
    }

    /// <summary>Connects over TLS (as <c>redis-cli --tls</c>): the handshake must succeed before this returns.</summary>
    public static async Task<RespTestClient> ConnectTlsAsync(IPEndPoint endPoint, System.Net.Security.SslClientAuthenticationOptions tls)
    {
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(endPoint.Address, endPoint.Port);
            var ssl = new System.Net.Security.SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
            using var timeout = new CancellationTokenSource(ReplyTimeout);
            await ssl.AuthenticateAsClientAsync(tls, timeout.Token);
            return new RespTestClient(tcp, ssl);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    public static async Task<RespTestClient> ConnectAsync(IPEndPoint endPoint)
    {
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(endPoint.Address, endPoint.Port);
            return new RespTestClient(tcp);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    public static Task<RespTestClient> ConnectAsync(ReplicatedCacheNode node) =>
        ConnectAsync(node.RespEndPoint ?? throw new InvalidOperationException("The node has no RESP endpoint."));

    /// <summary>
    /// This client's end of the connection as the server sees it, its <c>addr</c> (CLIENT KILL ADDR): the socket is
    /// dual-mode, so an IPv4 address comes back mapped to IPv6 and is shown unmapped, as the server does.
    /// </summary>
    public IPEndPoint LocalEndPoint
    {
        get
        {
            var local = (IPEndPoint)_tcp.Client.LocalEndPoint!;
            return local.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(local.Address.MapToIPv4(), local.Port) : local;
        }
    }

    /// <summary>Sends one command as a multibulk frame and reads its reply.</summary>
    public async Task<object?> CallAsync(params string[] args)
    {
        await SendAsync(Encode(args));
        return await ReadAsync();
    }

    /// <summary>Sends a command whose arguments are raw bytes.</summary>
    public async Task<object?> CallBytesAsync(params byte[][] args)
    {
        await SendAsync(EncodeBytes(args));
        return await ReadAsync();
    }

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    /// <summary>Sends one byte per write (no delay on the socket), so the server sees frames cut at every byte.</summary>
    public async Task SendByteByByteAsync(byte[] bytes)
    {
        for (int i = 0; i < bytes.Length; i++)
        {
            await _stream.WriteAsync(bytes.AsMemory(i, 1));
            await _stream.FlushAsync();
        }
    }

    public static byte[] Encode(params string[] args) => EncodeBytes([.. args.Select(Encoding.UTF8.GetBytes)]);

    public static byte[] EncodeBytes(params byte[][] args)
    {
        var frame = new MemoryStream();
        frame.Write(Encoding.ASCII.GetBytes($"*{args.Length}\r\n"));
        foreach (byte[] arg in args)
        {
            frame.Write(Encoding.ASCII.GetBytes($"${arg.Length}\r\n"));
            frame.Write(arg);
            frame.Write("\r\n"u8);
        }

        return frame.ToArray();
    }

    /// <summary>Reads one reply.</summary>
    public async Task<object?> ReadAsync()
    {
        string line = await ReadLineAsync();
        string rest = line[1..];
        switch (line[0])
        {
            case '+':
                return rest;
            case '-':
                return new RespError(rest);
            case ':':
                return long.Parse(rest, CultureInfo.InvariantCulture);
            case '$':
                int length = int.Parse(rest, CultureInfo.InvariantCulture);
                if (length < 0)
                {
                    return null;
                }

                byte[] data = await ReadExactlyAsync(length + 2);
                return Encoding.UTF8.GetString(data, 0, length);
            case '*':
                int count = int.Parse(rest, CultureInfo.InvariantCulture);
                if (count < 0)
                {
                    return null;
                }

                var items = new object?[count];
                for (int i = 0; i < count; i++)
                {
                    items[i] = await ReadAsync();
                }

                return items;
            default:
                throw new InvalidDataException("Not a RESP reply: " + line);
        }
    }

    /// <summary>
    /// Reads exactly <paramref name="count"/> bytes, as Latin-1 text, so a test can check a reply byte for byte:
    /// <see cref="ReadAsync"/> reads <c>+PONG</c> and <c>$4 PONG</c> alike, and Sentinel does not.
    /// </summary>
    public async Task<string> ReadRawAsync(int count) => Encoding.Latin1.GetString(await ReadExactlyAsync(count));

    /// <summary>Reads as many bytes as <paramref name="expected"/> has and returns them, for <c>Assert.Equal(expected, ...)</c>.</summary>
    public Task<string> ReadRawLikeAsync(string expected) => ReadRawAsync(Encoding.Latin1.GetByteCount(expected));

    /// <summary>Sends one command and reads its reply as raw bytes, as long as <paramref name="expected"/>.</summary>
    public async Task<string> CallRawAsync(string expected, params string[] args)
    {
        await SendAsync(Encode(args));
        return await ReadRawLikeAsync(expected);
    }

    /// <summary>True when the server closed the connection (after any replies already read).</summary>
    public async Task<bool> IsClosedAsync()
    {
        if (_start < _end)
        {
            return false;
        }

        try
        {
            using var timeout = new CancellationTokenSource(ReplyTimeout);
            return await _stream.ReadAsync(_buffer, timeout.Token) == 0;
        }
        catch (IOException)
        {
            return true; // reset by the server
        }
    }

    public ValueTask DisposeAsync()
    {
        _stream.Dispose();
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<string> ReadLineAsync()
    {
        var line = new StringBuilder();
        while (true)
        {
            if (_start == _end)
            {
                await FillAsync();
            }

            byte b = _buffer[_start++];
            if (b == '\n' && line.Length > 0 && line[^1] == '\r')
            {
                return line.ToString(0, line.Length - 1);
            }

            line.Append((char)b);
        }
    }

    private async Task<byte[]> ReadExactlyAsync(int count)
    {
        byte[] data = new byte[count];
        int filled = 0;
        while (filled < count)
        {
            if (_start == _end)
            {
                await FillAsync();
            }

            int n = Math.Min(count - filled, _end - _start);
            Array.Copy(_buffer, _start, data, filled, n);
            _start += n;
            filled += n;
        }

        return data;
    }

    private async Task FillAsync()
    {
        using var timeout = new CancellationTokenSource(ReplyTimeout);
        int n = await _stream.ReadAsync(_buffer, timeout.Token);
        if (n == 0)
        {
            throw new IOException("The server closed the connection.");
        }

        _start = 0;
        _end = n;
    }
}
