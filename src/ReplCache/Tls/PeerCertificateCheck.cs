namespace ReplCache.Tls;

/// <summary>
/// What the last TLS handshake of one outgoing connection thought of the peer's certificate, so that the error a
/// link reports names the certificate problem rather than the transport's "the SSL connection could not be established".
/// </summary>
internal sealed class PeerCertificateCheck
{
    private volatile string? _rejection;

    /// <summary>Why the peer's certificate was refused; null when it was accepted or no handshake has run.</summary>
    public string? Rejection
    {
        get => _rejection;
        set => _rejection = value;
    }
}
