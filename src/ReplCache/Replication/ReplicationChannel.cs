using Grpc.Net.Client;

namespace ReplCache.Replication;

/// <summary>The gRPC channel settings every link to a primary uses.</summary>
internal static class ReplicationChannel
{
    /// <summary>Receive window of a link: large enough that a stream of 64 KB batches is never throttled on loopback or a LAN.</summary>
    private const int StreamWindowBytes = 8 * 1024 * 1024;

    public static GrpcChannel Create(Uri address, ReplicatedCacheOptions options) =>
        GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromSeconds(5),
                InitialHttp2StreamWindowSize = StreamWindowBytes,
                KeepAlivePingDelay = options.HeartbeatInterval * 5,
                KeepAlivePingTimeout = options.ReplicationTimeout,
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                EnableMultipleHttp2Connections = false,
            },
            MaxReceiveMessageSize = null,
            MaxSendMessageSize = null,
            DisposeHttpClient = true,
        });
}
