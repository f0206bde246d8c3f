using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ReplCache.Hosting.Transport;
using ReplCache.Hosting.Transport.EventLoop;
using ReplCache.Protocol;
using ReplCache.Replication;
using ReplCache.Resp;
using ReplCache.Tls;

namespace ReplCache.Hosting;

/// <summary>
/// A node's own listener: a minimal Kestrel server on threads of its own (<see cref="OwnedThreadTransportFactory"/>),
/// serving the replication service over HTTP/1.1 (gRPC-Web: the links of this library's nodes, which a host starving
/// its thread pool does not stall) and HTTP/2 (h2c, or h2 over TLS for an https:// Listen), and the
/// Redis-protocol endpoint when <see cref="ReplicatedCacheOptions.RespListen"/> is set — on the same port when it
/// names the same endpoint as <see cref="ReplicatedCacheOptions.Listen"/>, as Redis serves replicas and clients on
/// one port, otherwise on its own. Used by <see cref="ReplicatedCacheNode"/> and by <c>AddReplicatedCache</c> when
/// <see cref="ReplicatedCacheOptions.Listen"/> is set.
/// </summary>
internal sealed class ReplicationListener : IAsyncDisposable
{
    /// <summary>Flow-control windows large enough that a stream of 64 KB batches never waits for window updates.</summary>
    private const int WindowBytes = 8 * 1024 * 1024;

    private readonly WebApplication _app;

    private ReplicationListener(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>The bound address, port 0 resolved.</summary>
    public Uri Address { get; }

    public static async Task<ReplicationListener> StartAsync(ReplicatedCacheOptions nodeOptions, TlsContext tls, ReplicationGrpcService service, RespServer? resp, ILoggerFactory? loggerFactory, CancellationToken cancellationToken)
    {
        Uri listen = new(nodeOptions.Listen ?? throw new InvalidOperationException("ReplicatedCacheOptions.Listen is not set."));
        (string Host, int Port)? respAt = resp is null || nodeOptions.RespListen is not { } respListen ? null : KestrelBinding.ParseHostAndPort(respListen);
        bool shared = respAt is { } at && KestrelBinding.SameEndpoint(listen.Host, listen.Port, at.Host, at.Port);
        bool replicationTls = listen.Scheme == Uri.UriSchemeHttps;
        bool respTls = nodeOptions.Tls.RespTls ?? replicationTls;
        var replicationEndpoints = new List<ListenOptions>();
        var respEndpoints = new List<ListenOptions>();

        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton(loggerFactory ?? NullLoggerFactory.Instance);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.Services.AddRouting();
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = ReplicationChannel.MaxMessageBytes(nodeOptions);
            grpc.MaxSendMessageSize = ReplicationChannel.MaxMessageBytes(nodeOptions);
        });
        builder.Services.AddSingleton(service);
        KestrelBinding.UseKestrelWithInlineSockets(builder.WebHost);
        // ThreadPoolIndependentLinks: links over HTTP/1.1 on threads of the listener's own (see the class remarks);
        // otherwise Kestrel's socket transport and HTTP/2 only, as before.
        bool ownThreads = nodeOptions.ThreadPoolIndependentLinks;
        if (ownThreads)
        {
            // Registered after Kestrel's socket transport, so Kestrel binds with this one.
            builder.Services.AddSingleton<IConnectionListenerFactory>(new OwnedThreadTransportFactory("ReplCache"));
        }

        if (respAt is not null && nodeOptions.RespEventLoop && LinuxCalls.Supported && !(shared && ownThreads))
        {
            // The RESP port on an event loop (registered last, so Kestrel asks it first): a port of its own, and the
            // replication port when RESP shares it with links that do not need the owned-thread transport
            // (replcache-server's one port: its HTTP/2 links pass through the loop and run their calls on the pool).
            // A port shared with owned-thread links stays on that transport, whose router they need.
            builder.Services.AddSingleton<IConnectionListenerFactory>(shared
                ? new EventLoopTransportFactory("ReplCache")
                : new EventLoopTransportFactory("ReplCache RESP", endpoint => respEndpoints.Exists(o => o.EndPoint.Equals(endpoint))));
        }

        ConnectionDelegate? http2Pipeline = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.Http2.InitialConnectionWindowSize = WindowBytes;
            kestrel.Limits.Http2.InitialStreamWindowSize = WindowBytes;
            // Kestrel's default 64 KB response buffer makes every 64 KB batch wait for the previous one to reach the
            // socket; a few MB lets a sender keep the connection busy. Flow control still bounds what is in flight.
            kestrel.Limits.MaxResponseBufferSize = 4 * 1024 * 1024;
            kestrel.Limits.Http2.MaxFrameSize = 1024 * 1024 - 1;
            kestrel.Limits.Http2.KeepAlivePingDelay = ReplicationChannel.KeepAlivePingDelay(nodeOptions);
            kestrel.Limits.Http2.KeepAlivePingTimeout = ReplicationChannel.KeepAlivePingTimeout(nodeOptions);
            if (ownThreads && !replicationTls)
            {
                // Cleartext HTTP/2 needs an HTTP/2-only endpoint: this one's pipeline, handed connections by the router.
                kestrel.Listen(new PipelineOnlyEndPoint("h2c"), options =>
                {
                    options.Protocols = HttpProtocols.Http2;
                    options.Use(next => http2Pipeline = next);
                });
            }

            KestrelBinding.Bind(kestrel, listen.Host, listen.Port, options =>
            {
                options.Protocols = ownThreads ? HttpProtocols.Http1AndHttp2 : HttpProtocols.Http2;
                if (replicationTls)
                {
                    // Before the router: it then sees decrypted bytes and the ALPN result. h2 (and http/1.1) are offered by ALPN.
                    options.UseHttps(tls.ServerOptions(alpn: true));
                }

                if (ownThreads || shared)
                {
                    // Registered before Kestrel adds its HTTP middleware, so this one sees each connection first.
                    options.Use(next => connection => SharedPortRouter.RouteAsync(connection, next, http2Pipeline, shared ? resp : null));
                }

                replicationEndpoints.Add(options);
            }, nameof(ReplicatedCacheOptions.Listen));
            if (respAt is { } separate && !shared)
            {
                KestrelBinding.Bind(kestrel, separate.Host, separate.Port, options =>
                {
                    options.Protocols = HttpProtocols.Http1; // never reached: the RESP handler ends the pipeline
                    if (respTls)
                    {
                        options.UseHttps(tls.ServerOptions(alpn: false));
                    }

                    options.Run(resp!.RunConnectionAsync);
                    respEndpoints.Add(options);
                }, nameof(ReplicatedCacheOptions.RespListen));
            }
        });

        WebApplication app = builder.Build();
        app.UseGrpcWeb();
        app.MapGrpcService<ReplicationGrpcService>().EnableGrpcWeb(); // served only where the endpoint speaks HTTP/1.1
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        int port = replicationEndpoints[0].IPEndPoint?.Port ?? listen.Port;
        // With a separate RESP endpoint Kestrel reports two addresses; the replication one is on the Listen port.
        string bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses
            .FirstOrDefault(a => Uri.TryCreate(HostForUri(a), UriKind.Absolute, out Uri? uri) && uri.Port == port && uri.Scheme.StartsWith("http", StringComparison.Ordinal))
            ?? throw new InvalidOperationException("Kestrel did not report the address it bound.");
        var address = new Uri(HostForUri(bound));
        if (resp is not null)
        {
            resp.EndPoint = (shared ? replicationEndpoints : respEndpoints)[0].IPEndPoint;
            RespServer.Log.Listening(resp.Logger, resp.EndPoint, (shared ? " (shared with replication)" : "") + (respTls ? " over TLS" : ""));
        }

        return new ReplicationListener(app, address);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static string HostForUri(string bound) =>
        bound.Replace("[::]", "localhost", StringComparison.Ordinal).Replace("0.0.0.0", "localhost", StringComparison.Ordinal);
}
