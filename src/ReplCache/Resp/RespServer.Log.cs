using System.Net;
using Microsoft.Extensions.Logging;

namespace ReplCache.Resp;

internal sealed partial class RespServer
{
    internal static partial class Log
    {
        [LoggerMessage(60, LogLevel.Debug, "RESP client {ClientId} connected from {Address}.")]
        public static partial void ClientConnected(ILogger logger, long clientId, IPEndPoint? address);

        [LoggerMessage(61, LogLevel.Debug, "RESP client {ClientId} from {Address} disconnected: {Reason}.")]
        public static partial void ClientClosed(ILogger logger, long clientId, IPEndPoint? address, string reason);

        [LoggerMessage(62, LogLevel.Warning, "RESP client {ClientId} from {Address} sent malformed input ({Problem}); its connection is closed, as Redis does.")]
        public static partial void ProtocolError(ILogger logger, long clientId, string address, string problem);

        [LoggerMessage(63, LogLevel.Warning, "RESP client {ClientId} from {Address} failed to authenticate (further failures from this address are not logged).")]
        public static partial void AuthenticationFailed(ILogger logger, long clientId, IPEndPoint? address);

        [LoggerMessage(64, LogLevel.Information, "RESP client {ClientId} from {Address} asked for SHUTDOWN ({Mode}); the node is stopping.")]
        public static partial void ShutdownRequested(ILogger logger, long clientId, IPEndPoint? address, string mode);

        [LoggerMessage(65, LogLevel.Error, "Stopping the node after SHUTDOWN failed: {Problem}")]
        public static partial void ShutdownFailed(ILogger logger, string problem);

        [LoggerMessage(67, LogLevel.Error, "RESP command {Command} of client {ClientId} failed unexpectedly; the client got the message as an error reply.")]
        public static partial void CommandFailed(ILogger logger, string command, long clientId, Exception exception);

        [LoggerMessage(68, LogLevel.Warning, "RESP client {ClientId} from {Address} is closed: {Bytes} bytes of pub/sub messages waited for it, over the {Limit}-byte limit (Redis's client-output-buffer-limit pubsub); a subscriber must keep reading.")]
        public static partial void SubscriberTooSlow(ILogger logger, long clientId, IPEndPoint? address, long bytes, long limit);

        [LoggerMessage(69, LogLevel.Warning, "CONFIG REWRITE from RESP client {ClientId} failed: {Problem}")]
        public static partial void ConfigRewriteFailed(ILogger logger, long clientId, string problem);

        [LoggerMessage(66, LogLevel.Information, "Redis-protocol endpoint listening on {EndPoint}{Shared}.")]
        public static partial void Listening(ILogger logger, IPEndPoint? endPoint, string shared);
    }
}
