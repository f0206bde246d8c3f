using Microsoft.Extensions.Logging;

namespace ReplCache.Tls;

internal sealed partial class CertificateReload
{
    private static partial class Log
    {
        [LoggerMessage(104, LogLevel.Information, "Node {NodeId}: TLS files changed; new connections now use certificate '{Subject}' (thumbprint {Thumbprint}, valid until {NotAfter}). Established links keep theirs.")]
        public static partial void Reloaded(ILogger logger, string nodeId, string subject, string thumbprint, DateTime notAfter);

        [LoggerMessage(105, LogLevel.Warning, "Node {NodeId}: TLS files changed but do not load ({Problem}); keeping the current certificate, and trying again at their next change.")]
        public static partial void ReloadFailed(ILogger logger, string nodeId, string problem);
    }
}
