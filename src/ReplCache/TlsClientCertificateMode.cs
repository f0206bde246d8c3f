namespace ReplCache;

/// <summary>
/// Whether a node's TLS listeners ask connecting peers (secondaries and Redis clients) for a certificate — mutual TLS,
/// Redis's <c>tls-auth-clients</c>.
/// </summary>
public enum TlsClientCertificateMode
{
    /// <summary>No client certificate is asked for (Redis's <c>tls-auth-clients no</c>).</summary>
    None,

    /// <summary>A client may present a certificate; one that does must present a valid one (<c>tls-auth-clients optional</c>).</summary>
    Optional,

    /// <summary>Every client must present a valid certificate, or the handshake fails (<c>tls-auth-clients yes</c>).</summary>
    Required,
}
