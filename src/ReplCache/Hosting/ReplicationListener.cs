using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ReplCache.Protocol;
using ReplCache.Replication;

namespace ReplCache.Hosting;

/// <summary>
/// A node's own listener: a minimal Kestrel server, HTTP/2 only (h2c), serving the replication service. Used by
/// <see cref="ReplicatedCacheNode"/> and by <c>AddReplicatedCache</c> when <see cref="ReplicatedCacheOptions.Listen"/> is set.
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

    public static async Task<ReplicationListener> StartAsync(ReplicationController node, ILoggerFactory? loggerFactory, CancellationToken cancellationToken)
    {
        Uri listen = new(node.Options.Listen ?? throw new InvalidOperationException("ReplicatedCacheOptions.Listen is not set."));
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton(loggerFactory ?? NullLoggerFactory.Instance);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.Services.AddRouting();
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(node);
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.Http2.InitialConnectionWindowSize = WindowBytes;
            kestrel.Limits.Http2.InitialStreamWindowSize = WindowBytes;
            // Kestrel's default 64 KB response buffer makes every 64 KB batch wait for the previous one to reach the
            // socket; a few MB lets a sender keep the connection busy. Flow control still bounds what is in flight.
            kestrel.Limits.MaxResponseBufferSize = 4 * 1024 * 1024;
            kestrel.Limits.Http2.MaxFrameSize = 1024 * 1024 - 1;
            kestrel.Limits.Http2.KeepAlivePingDelay = ReplicationChannel.KeepAlivePingDelay(node.Options);
            kestrel.Limits.Http2.KeepAlivePingTimeout = ReplicationChannel.KeepAlivePingTimeout(node.Options);
            Bind(kestrel, listen);
        });

        WebApplication app = builder.Build();
        app.MapGrpcService<ReplicationGrpcService>();
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        string bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel did not report the address it bound.");
        var address = new Uri(bound.Replace("[::]", "localhost", StringComparison.Ordinal).Replace("0.0.0.0", "localhost", StringComparison.Ordinal));
        node.AdvertisedAddress ??= node.Options.AnnounceAddress ?? address;
        return new ReplicationListener(app, address);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static void Bind(KestrelServerOptions kestrel, Uri listen)
    {
        static void Http2(ListenOptions options) => options.Protocols = HttpProtocols.Http2;

        if (listen.Host is "*" or "+" or "0.0.0.0")
        {
            kestrel.ListenAnyIP(listen.Port, Http2);
        }
        else if (IPAddress.TryParse(listen.Host.Trim('[', ']'), out IPAddress? ip))
        {
            kestrel.Listen(ip, listen.Port, Http2);
        }
        else if (listen.IsLoopback)
        {
            if (listen.Port == 0)
            {
                // Kestrel cannot bind "localhost" to a dynamic port (it would need two sockets); loopback v4 it is.
                kestrel.Listen(IPAddress.Loopback, 0, Http2);
            }
            else
            {
                kestrel.ListenLocalhost(listen.Port, Http2);
            }
        }
        else
        {
            throw new InvalidOperationException($"ReplicatedCacheOptions.Listen must name an IP address, localhost or *, not the host name '{listen.Host}'.");
        }
    }
}
