using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ReplCache.Hosting;

/// <summary>
/// After an app that maps the replication service starts, asks each of its own endpoints whether it speaks HTTP/2
/// (h2c prior knowledge, or TLS with ALPN h2). Replication is gRPC, which needs HTTP/2; an app whose endpoints are
/// all HTTP/1.1 — Kestrel's plain-text default is HTTP/1.1 and HTTP/2 negotiated only over TLS — would otherwise
/// start fine and leave every secondary failing with an opaque protocol error. Such an app is stopped at once, with
/// a message that says what to change.
/// </summary>
internal static partial class Http2EndpointCheck
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The HTTP/2 connection preface and an empty SETTINGS frame (RFC 9113 §3.4).</summary>
    private static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\u0004\0\0\0\0\0"u8;

    public static void RunWhenStarted(IServiceProvider services)
    {
        if (services.GetService(typeof(IHostApplicationLifetime)) is not IHostApplicationLifetime lifetime
            || services.GetService(typeof(IServer)) is not IServer server)
        {
            return;
        }

        ILogger logger = ((ILoggerFactory?)services.GetService(typeof(ILoggerFactory)))?.CreateLogger("ReplCache.Hosting") ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        lifetime.ApplicationStarted.Register(() => _ = CheckAsync(server, lifetime, logger));
    }

    private static async Task CheckAsync(IServer server, IHostApplicationLifetime lifetime, ILogger logger)
    {
        ICollection<string> addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        if (addresses.Count == 0)
        {
            return; // not Kestrel on sockets (a test server, IIS in-process): nothing to probe
        }

        var http1Only = new List<string>();
        foreach (string address in addresses)
        {
            try
            {
                if (await SpeaksHttp2Async(new Uri(address.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal)), lifetime.ApplicationStopping).ConfigureAwait(false))
                {
                    Log.Http2EndpointFound(logger, address);
                    return;
                }

                http1Only.Add(address);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or AuthenticationException or UriFormatException)
            {
                Log.ProbeFailed(logger, address, ex.Message); // unknown, not known bad: never stop an app on a failed probe
                return;
            }
        }

        Log.NoHttp2Endpoint(logger, string.Join(", ", http1Only));
        lifetime.StopApplication();
    }

    private static async Task<bool> SpeaksHttp2Async(Uri address, CancellationToken stopping)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(ProbeTimeout);
        string host = address.Host is "0.0.0.0" or "[::]" or "::" ? (address.Host == "0.0.0.0" ? "127.0.0.1" : "::1") : address.Host.Trim('[', ']');
        using var client = new TcpClient(IPAddress.TryParse(host, out IPAddress? ip) ? ip.AddressFamily : AddressFamily.InterNetwork);
        await client.ConnectAsync(host, address.Port, timeout.Token).ConfigureAwait(false);
        Stream stream = client.GetStream();
        if (address.Scheme == Uri.UriSchemeHttps)
        {
            var tls = new SslStream(stream, leaveInnerStreamOpen: false, (_, _, _, _) => true); // only the protocol is probed, nothing is sent
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = host,
                ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
            }, timeout.Token).ConfigureAwait(false);
            bool h2 = tls.NegotiatedApplicationProtocol == SslApplicationProtocol.Http2;
            await tls.DisposeAsync().ConfigureAwait(false);
            return h2;
        }

        await stream.WriteAsync(Preface.ToArray(), timeout.Token).ConfigureAwait(false);
        byte[] reply = new byte[9];
        int read = await stream.ReadAtLeastAsync(reply, reply.Length, throwOnEndOfStream: false, timeout.Token).ConfigureAwait(false);
        // An HTTP/2 server answers with its own SETTINGS frame (type 4); an HTTP/1.1 one with "HTTP/1.1 400".
        return read == reply.Length && reply[3] == 0x04;
    }
}
