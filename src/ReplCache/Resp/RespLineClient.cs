using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ReplCache.Resp;

/// <summary>
/// The little of a RESP client the node itself needs (asking a Sentinel which node is the primary, another node's
/// INFO): one connection, a command (after AUTH when a token is given) out, lines in.
/// </summary>
internal sealed class RespLineClient : IDisposable
{
    private readonly TcpClient _tcp;
    private readonly StreamReader _reader;

    private RespLineClient(TcpClient tcp)
    {
        _tcp = tcp;
        _reader = new StreamReader(tcp.GetStream(), Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
    }

    public static async Task<RespLineClient> ConnectAsync(string host, int port, CancellationToken cancellationToken)
    {
        var tcp = new TcpClient(IPAddress.TryParse(host, out IPAddress? ip) ? ip.AddressFamily : AddressFamily.InterNetwork);
        try
        {
            await tcp.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
            return new RespLineClient(tcp);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>Sends AUTH (when <paramref name="authToken"/> is set) and <paramref name="command"/> in one write.</summary>
    /// <returns>The error AUTH was refused with (its text after '-'), or null when it was accepted or not sent.</returns>
    public async Task<string?> SendAsync(string? authToken, string[] command, CancellationToken cancellationToken)
    {
        var request = new StringBuilder();
        if (authToken is not null)
        {
            Append(request, ["AUTH", authToken]);
        }

        Append(request, command);
        await _tcp.GetStream().WriteAsync(Encoding.UTF8.GetBytes(request.ToString()), cancellationToken).ConfigureAwait(false);
        return authToken is not null && await ReadLineAsync(cancellationToken).ConfigureAwait(false) is ['-', .. string refused] ? refused : null;
    }

    /// <summary>The next line of the reply; <see cref="IOException"/> when the peer closed the connection.</summary>
    public async Task<string> ReadLineAsync(CancellationToken cancellationToken) =>
        await _reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) ?? throw new IOException("the peer closed the connection");

    public void Dispose()
    {
        _reader.Dispose();
        _tcp.Dispose();
    }

    private static void Append(StringBuilder request, string[] args)
    {
        request.Append('*').Append(args.Length).Append("\r\n");
        foreach (string arg in args)
        {
            request.Append('$').Append(Encoding.UTF8.GetByteCount(arg)).Append("\r\n").Append(arg).Append("\r\n");
        }
    }
}
