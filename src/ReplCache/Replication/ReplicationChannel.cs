using System.Net;
using System.Net.Security;
using Grpc.Net.Client;
using Grpc.Net.Client.Web;
using ReplCache.Replication.Transport;
using ReplCache.Tls;

namespace ReplCache.Replication;

/// <summary>The gRPC channel settings every link to a primary uses.</summary>
internal static class ReplicationChannel
{
    /// <summary>Receive window of a link: large enough that a stream of 64 KB batches is never throttled on loopback or a LAN.</summary>
    private const int StreamWindowBytes = 8 * 1024 * 1024;

    /// <summary>
    /// HTTP/2 keep-alive pings catch a dead TCP connection that no heartbeat would cross; both Kestrel and
    /// SocketsHttpHandler refuse values under one second, so sub-second heartbeats (tests) are clamped.
    /// </summary>
    public static TimeSpan KeepAlivePingDelay(ReplicatedCacheOptions options) => Max(options.HeartbeatInterval * 5, TimeSpan.FromSeconds(1));

    public static TimeSpan KeepAlivePingTimeout(ReplicatedCacheOptions options) => Max(options.ReplicationTimeout, TimeSpan.FromSeconds(1));

    /// <summary>
    /// The largest gRPC message either side of a link sends or accepts: one entry at the limits plus 1 MiB for framing
    /// and the rest of a snapshot chunk (48 KB) or log batch (64 KB). No message of a well-behaved peer is larger, so
    /// no peer can make a node buffer more than this per message.
    /// </summary>
    public static int MaxMessageBytes(ReplicatedCacheOptions options) =>
        (int)Math.Min(int.MaxValue, (long)options.MaxKeyBytes + options.MaxValueBytes + 1024 * 1024);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>
    /// A channel to <paramref name="address"/> over HTTP/1.1 (gRPC-Web) on connections read by threads of their own
    /// (<see cref="OwnedThreadStream"/>): a node's own listener serves such links without the thread pool too, so the
    /// link keeps moving while the host blocks its pool. Calls: Follow, Report, Describe (gRPC-Web has no client
    /// streaming, so not Sync). TLS as <see cref="Create"/>. With <c>readsInline</c>, a read asked for by a
    /// connection's own reader thread blocks right there (<see cref="OwnedThreadStream"/>): only for a channel that
    /// carries one long call and nothing else.
    /// </summary>
    public static GrpcChannel CreateOwnedThreads(Uri address, ReplicatedCacheOptions options, TlsContext tls, PeerCertificateCheck? check = null, bool readsInline = false) =>
        GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new GrpcWebHandler(GrpcWebMode.GrpcWeb, new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromSeconds(5),
                ConnectCallback = (context, cancellationToken) => OwnedThreadStream.ConnectAsync(context.DnsEndPoint, readsInline, cancellationToken),
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                SslOptions = ClientTls(address, tls, check),
            }),
            HttpVersion = HttpVersion.Version11,
            HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            MaxReceiveMessageSize = MaxMessageBytes(options),
            MaxSendMessageSize = MaxMessageBytes(options),
            DisposeHttpClient = true,
        });

    private static SslClientAuthenticationOptions ClientTls(Uri address, TlsContext tls, PeerCertificateCheck? check) =>
        address.Scheme == Uri.UriSchemeHttps ? tls.ClientOptions(address, check ?? new PeerCertificateCheck()) : new SslClientAuthenticationOptions();

    /// <summary>
    /// A channel to <paramref name="address"/> over HTTP/2: for a primary whose endpoint is an ASP.NET Core app's
    /// (MapReplicatedCache), which serves gRPC-Web only if the app added it. For an <c>https://</c> address the handshake validates the peer's
    /// certificate with <paramref name="tls"/> (presenting this node's certificate when asked) and records in
    /// <paramref name="check"/>, when given, why it refused one.
    /// </summary>
    public static GrpcChannel Create(Uri address, ReplicatedCacheOptions options, TlsContext tls, PeerCertificateCheck? check = null) =>
        GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromSeconds(5),
                InitialHttp2StreamWindowSize = StreamWindowBytes,
                KeepAlivePingDelay = KeepAlivePingDelay(options),
                KeepAlivePingTimeout = KeepAlivePingTimeout(options),
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                EnableMultipleHttp2Connections = false,
                SslOptions = ClientTls(address, tls, check),
            },
            MaxReceiveMessageSize = MaxMessageBytes(options),
            MaxSendMessageSize = MaxMessageBytes(options),
            DisposeHttpClient = true,
        });
}
