using Microsoft.Extensions.Logging;

namespace ReplCache.Hosting;

internal static partial class Http2EndpointCheck
{
    private static partial class Log
    {
        [LoggerMessage(92, LogLevel.Information, "ReplCache replication is served over HTTP/2 at {Address}.")]
        public static partial void Http2EndpointFound(ILogger logger, string address);

        [LoggerMessage(93, LogLevel.Critical, "MapReplicatedCache: none of this app's endpoints speaks HTTP/2 ({Addresses}), which ReplCache's gRPC replication needs, so no secondary could connect; the app is stopping. Add an HTTP/2 endpoint for replication, e.g. builder.WebHost.ConfigureKestrel(k => k.ListenAnyIP(7001, o => o.Protocols = HttpProtocols.Http2)) or \"Kestrel\": {{ \"Endpoints\": {{ \"Replication\": {{ \"Url\": \"http://*:7001\", \"Protocols\": \"Http2\" }} }} }} in appsettings.json, or an HTTPS endpoint with Protocols Http1AndHttp2 — or drop MapReplicatedCache and set ReplicatedCacheOptions.Listen to let ReplCache run its own listener.")]
        public static partial void NoHttp2Endpoint(ILogger logger, string addresses);

        [LoggerMessage(94, LogLevel.Warning, "MapReplicatedCache: could not check whether {Address} speaks HTTP/2 ({Problem}); if secondaries fail with a protocol error, give replication an HTTP/2 endpoint.")]
        public static partial void ProbeFailed(ILogger logger, string address, string problem);
    }
}
