using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ReplCache.Hosting.Transport.EventLoop;
using ReplCache.Resp;
using ReplCache.Tls;

namespace ReplCache.Hosting;

/// <summary>
/// A Kestrel server with only the Redis-protocol endpoint, for a node hosted with <c>AddReplicatedCache</c> without
/// <see cref="ReplicatedCacheOptions.Listen"/>: the app serves replication on its own endpoints
/// (<c>MapReplicatedCache</c>), and <see cref="ReplicatedCacheOptions.RespListen"/> still gets a listener.
/// </summary>
internal sealed class RespListener : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RespListener(WebApplication app) => _app = app;

    public static async Task<RespListener> StartAsync(RespServer resp, ReplicatedCacheOptions nodeOptions, TlsContext tls, ILoggerFactory? loggerFactory, CancellationToken cancellationToken)
    {
        (string host, int port) = KestrelBinding.ParseHostAndPort(nodeOptions.RespListen ?? throw new InvalidOperationException("ReplicatedCacheOptions.RespListen is not set."));
        var endpoints = new List<ListenOptions>();
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton(loggerFactory ?? NullLoggerFactory.Instance);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        KestrelBinding.UseKestrelWithInlineSockets(builder.WebHost);
        if (nodeOptions.RespEventLoop && LinuxCalls.Supported)
        {
            // Registered after Kestrel's socket transport, so Kestrel binds with this one (see EventLoopTransportFactory).
            builder.Services.AddSingleton<IConnectionListenerFactory>(new EventLoopTransportFactory("ReplCache RESP"));
        }

        builder.WebHost.ConfigureKestrel(kestrel => KestrelBinding.Bind(kestrel, host, port, options =>
        {
            options.Protocols = HttpProtocols.Http1; // never reached: the RESP handler ends the pipeline
            if (nodeOptions.Tls.RespTls == true)
            {
                options.UseHttps(tls.ServerOptions(alpn: false));
            }

            options.Run(resp.RunConnectionAsync);
            endpoints.Add(options);
        }, nameof(ReplicatedCacheOptions.RespListen)));
        WebApplication app = builder.Build();
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        resp.EndPoint = endpoints[0].IPEndPoint;
        RespServer.Log.Listening(resp.Logger, resp.EndPoint, nodeOptions.Tls.RespTls == true ? " over TLS" : "");
        return new RespListener(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
