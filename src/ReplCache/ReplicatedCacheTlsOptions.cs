using System.Security.Cryptography.X509Certificates;

namespace ReplCache;

/// <summary>
/// TLS for a node (<see cref="ReplicatedCacheOptions.Tls"/>): the certificate it serves and presents, whom it trusts,
/// and whether it asks peers for certificates. Which endpoints use TLS follows their addresses: an <c>https://</c>
/// <see cref="ReplicatedCacheOptions.Listen"/> makes the replication listener TLS (HTTP/2 negotiated by ALPN), an
/// <c>https://</c> <see cref="ReplicatedCacheOptions.PrimaryAddress"/> makes the link to the primary TLS, and
/// <see cref="RespTls"/> decides for the Redis-protocol endpoint.
/// </summary>
/// <remarks>
/// The certificate comes from exactly one of <see cref="Certificate"/>, <see cref="CertificatePath"/> (PEM or PFX) or
/// <see cref="CertificateThumbprint"/> (a certificate store). It serves the node's TLS listeners, and a secondary
/// presents it as its client certificate when its primary asks for one — one certificate for both roles, as Redis's
/// <c>tls-cert-file</c>; give it both the server and client authentication usages (or none) for mutual TLS.
/// Peers are validated against <see cref="CaCertificatePath"/>/<see cref="CaCertificates"/> when set (those
/// certificates are the only roots trusted), otherwise against the system's trust store.
/// </remarks>
public sealed class ReplicatedCacheTlsOptions
{
    /// <summary>This node's certificate, with its private key, for code that already holds one (e.g. from a vault).</summary>
    public X509Certificate2? Certificate { get; set; }

    /// <summary>
    /// This node's certificate file: PEM (the certificate first, then any intermediates; the key in the same file
    /// or in <see cref="KeyPath"/>) or PKCS#12 (<c>.pfx</c>/<c>.p12</c>, key included). Redis's <c>tls-cert-file</c>.
    /// </summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PEM private key of <see cref="CertificatePath"/>, when not in that file. Redis's <c>tls-key-file</c>.</summary>
    public string? KeyPath { get; set; }

    /// <summary>The password of a PFX file or of an encrypted PEM key. Redis's <c>tls-key-file-pass</c>. Null: none.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>The thumbprint (hex) of this node's certificate in <see cref="CertificateStoreName"/> of <see cref="CertificateStoreLocation"/>.</summary>
    public string? CertificateThumbprint { get; set; }

    /// <summary>The store <see cref="CertificateThumbprint"/> is looked up in. Default <see cref="StoreName.My"/>.</summary>
    public StoreName CertificateStoreName { get; set; } = StoreName.My;

    /// <summary>The store location <see cref="CertificateThumbprint"/> is looked up in. Default <see cref="StoreLocation.CurrentUser"/>.</summary>
    public StoreLocation CertificateStoreLocation { get; set; } = StoreLocation.CurrentUser;

    /// <summary>
    /// A PEM (or DER) file of the certificate authorities that issue the group's certificates: a peer's certificate
    /// must chain to one of them (custom root trust; the system store is not consulted). Redis's <c>tls-ca-cert-file</c>.
    /// Null, with no <see cref="CaCertificates"/>: the system's trust store.
    /// </summary>
    public string? CaCertificatePath { get; set; }

    /// <summary>Trusted certificate authorities given in code, alongside those of <see cref="CaCertificatePath"/>.</summary>
    public X509Certificate2Collection? CaCertificates { get; set; }

    /// <summary>
    /// Whether the node's TLS listeners ask for client certificates (mutual TLS), for secondaries and Redis clients
    /// alike. Default <see cref="TlsClientCertificateMode.None"/>.
    /// </summary>
    public TlsClientCertificateMode ClientCertificateMode { get; set; } = TlsClientCertificateMode.None;

    /// <summary>
    /// Whether the Redis-protocol endpoint (<see cref="ReplicatedCacheOptions.RespListen"/>) is TLS-wrapped, as Redis's
    /// <c>tls-port</c> (<c>redis-cli --tls</c>). Null (default): as <see cref="ReplicatedCacheOptions.Listen"/>, TLS when
    /// it is <c>https://</c>. When RespListen shares Listen's port the two must agree.
    /// </summary>
    public bool? RespTls { get; set; }

    /// <summary>
    /// Whether <c>REPLICAOF host port</c> sent by a Redis client connects to that primary over TLS (<c>https://</c>),
    /// as Redis's <c>tls-replication yes</c>. <see cref="ReplicatedCacheOptions.PrimaryAddress"/> and
    /// <c>ReplicaOfAsync</c> carry their own scheme. Default false.
    /// </summary>
    public bool ReplicaOfUsesTls { get; set; }

    /// <summary>Default of <see cref="ReloadInterval"/>: 10 s.</summary>
    public static readonly TimeSpan DefaultReloadInterval = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often the node looks at <see cref="CertificatePath"/>, <see cref="KeyPath"/> and <see cref="CaCertificatePath"/>
    /// for a change; a changed set is loaded again and serves every connection made after it (established links keep
    /// theirs, so none drops), and one that does not load is logged while the current certificate stays. Zero: never
    /// reloaded. Default 10 s; between 10 ms and 1 day when not zero.
    /// </summary>
    public TimeSpan ReloadInterval { get; set; } = DefaultReloadInterval;

    /// <summary>
    /// Accepts any certificate from any peer — expired, self-signed, for another host. For development only: the
    /// node logs a warning at every start while it is set. Never set it in production.
    /// </summary>
    public bool AllowUntrustedCertificatesForDevelopment { get; set; }
}
