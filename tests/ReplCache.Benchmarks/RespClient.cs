using System.Net.Sockets;
using System.Text;

namespace ReplCache.Benchmarks;

/// <summary>
/// A minimal blocking RESP2 client for driving the Redis peer in benchmarks: one command at a time, a pipelined batch,
/// or the messages of a subscription. Every read and write is bounded by the socket's timeouts.
/// </summary>
internal sealed class RespClient : IDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(1);

    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly BufferedStream _reader;

    public RespClient(int port)
    {
        int timeout = (int)DefaultTimeout.TotalMilliseconds;
        _tcp = new TcpClient { NoDelay = true, ReceiveTimeout = timeout, SendTimeout = timeout };
        _tcp.Connect("127.0.0.1", port);
        _stream = _tcp.GetStream();
        _reader = new BufferedStream(_stream, 64 * 1024);
    }

    /// <summary>Sends a command and returns its reply as text (null for a nil bulk string).</summary>
    public string? Call(params string[] args)
    {
        var command = new StringBuilder();
        Append(command, args);
        _stream.Write(Encoding.UTF8.GetBytes(command.ToString()));
        return ReadReply();
    }

    /// <summary>Sends every command in one write, then reads every reply (an error reply throws).</summary>
    public void Pipeline(IReadOnlyList<string[]> commands)
    {
        var batch = new StringBuilder();
        foreach (string[] args in commands)
        {
            Append(batch, args);
        }

        _stream.Write(Encoding.UTF8.GetBytes(batch.ToString()));
        for (int i = 0; i < commands.Count; i++)
        {
            ReadReply();
        }
    }

    /// <summary>
    /// The next message pushed on this connection (after SUBSCRIBE or PSUBSCRIBE), or null when none arrives within
    /// <paramref name="timeout"/>. A timed-out connection is not used again.
    /// </summary>
    public string? Receive(TimeSpan timeout)
    {
        int milliseconds = (int)Math.Clamp(timeout.TotalMilliseconds, 1, int.MaxValue);
        if (_tcp.ReceiveTimeout != milliseconds)
        {
            _tcp.ReceiveTimeout = milliseconds;
        }

        try
        {
            return ReadReply();
        }
        catch (IOException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.TimedOut })
        {
            return null;
        }
    }

    public void Dispose() => _tcp.Dispose();

    private static void Append(StringBuilder command, string[] args)
    {
        command.Append('*').Append(args.Length).Append("\r\n");
        foreach (string arg in args)
        {
            command.Append('$').Append(Encoding.UTF8.GetByteCount(arg)).Append("\r\n").Append(arg).Append("\r\n");
        }
    }

    private string? ReadReply()
    {
        string line = ReadLine();
        switch (line[0])
        {
            case '+':
            case ':':
                return line[1..];
            case '-':
                throw new InvalidOperationException("Redis replied with an error: " + line[1..]);
            case '$':
                int length = int.Parse(line.AsSpan(1), provider: System.Globalization.CultureInfo.InvariantCulture);
                if (length < 0)
                {
                    return null;
                }

                byte[] data = new byte[length + 2];
                _reader.ReadExactly(data);
                return Encoding.UTF8.GetString(data, 0, length);
            case '*':
                int count = int.Parse(line.AsSpan(1), provider: System.Globalization.CultureInfo.InvariantCulture);
                var parts = new List<string?>();
                for (int i = 0; i < count; i++)
                {
                    parts.Add(ReadReply());
                }

                return string.Join("\n", parts);
            default:
                throw new InvalidOperationException("Unexpected RESP reply: " + line);
        }
    }

    private string ReadLine()
    {
        var line = new StringBuilder();
        while (true)
        {
            int b = _reader.ReadByte();
            if (b < 0)
            {
                throw new IOException("Redis closed the connection.");
            }

            if (b == '\r')
            {
                _reader.ReadByte();
                return line.ToString();
            }

            line.Append((char)b);
        }
    }
}
