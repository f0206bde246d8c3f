using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace ReplCache.Tls;

/// <summary>
/// One loading of a node's TLS files: its certificate (null when none is configured) with the intermediates sent
/// beside it, the context a handshake presents them from, and the authorities trusted. Immutable, so a reload swaps
/// the whole at once and no handshake sees a certificate with another one's chain.
/// </summary>
internal sealed record TlsMaterial(
    X509Certificate2? Certificate,
    X509Certificate2Collection Intermediates,
    SslStreamCertificateContext? Context,
    X509Certificate2Collection? Authorities)
{
    /// <exception cref="InvalidOperationException">A file or store entry cannot be loaded; the message names the setting.</exception>
    public static TlsMaterial Load(ReplicatedCacheTlsOptions options)
    {
        X509Certificate2Collection? authorities = CertificateLoader.LoadAuthorities(options);
        if (CertificateLoader.LoadOwn(options) is not var (leaf, intermediates))
        {
            return new TlsMaterial(null, [], null, authorities);
        }

        return new TlsMaterial(leaf, intermediates, SslStreamCertificateContext.Create(leaf, intermediates, offline: true), authorities);
    }
}
