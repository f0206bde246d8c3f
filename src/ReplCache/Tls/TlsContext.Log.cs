using Microsoft.Extensions.Logging;

namespace ReplCache.Tls;

internal sealed partial class TlsContext
{
    private static partial class Log
    {
        [LoggerMessage(100, LogLevel.Warning, "Node {NodeId}: Tls.AllowUntrustedCertificatesForDevelopment IS SET: this node accepts ANY certificate from ANY peer (expired, self-signed, for another host), so its TLS links can be intercepted. For development only; never in production.")]
        public static partial void DevelopmentTrust(ILogger logger, string nodeId);

        [LoggerMessage(101, LogLevel.Warning, "Node {NodeId}: this node's own TLS certificate '{Subject}' is not valid now (valid from {NotBefore} to {NotAfter}); peers will refuse it.")]
        public static partial void OwnCertificateNotValidNow(ILogger logger, string nodeId, string subject, DateTime notBefore, DateTime notAfter);

        [LoggerMessage(102, LogLevel.Debug, "TLS: refused the certificate of {Address}: {Problem}.")]
        public static partial void ServerCertificateRefused(ILogger logger, Uri address, string problem);

        [LoggerMessage(103, LogLevel.Warning, "TLS: refused a client certificate '{Subject}': {Problem}.")]
        public static partial void ClientCertificateRefused(ILogger logger, string subject, string problem);
    }
}
