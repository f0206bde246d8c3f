using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ReplCache.Tests.Tls;

/// <summary>PEM files of one node certificate: the certificate, its key, and the CA that issued it.</summary>
internal sealed record CertificateFiles(string CertificatePath, string KeyPath, string CaPath);

/// <summary>
/// A throwaway certificate authority made in-process (ECDSA P-256), issuing node certificates for 127.0.0.1 and
/// localhost, written as PEM files to a temporary directory that is deleted on dispose.
/// </summary>
internal sealed class TestPki : IDisposable
{
    private readonly ECDsa _caKey;
    private int _serial;

    public TestPki(string name = "ReplCache Test CA")
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("replcache-tls-").FullName;
        _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        Ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(30));
        CaPath = Path.Combine(Directory, Sanitize(name) + "-ca.crt");
        File.WriteAllText(CaPath, Ca.ExportCertificatePem());
    }

    public string Directory { get; }

    /// <summary>The authority's certificate (with its key).</summary>
    public X509Certificate2 Ca { get; }

    public string CaPath { get; }

    /// <summary>Issues a certificate for 127.0.0.1/localhost, usable as server and client certificate, and writes it as PEM.</summary>
    public CertificateFiles Issue(string name, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null, string[]? dnsNames = null, bool loopbackIp = true)
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (string dns in dnsNames ?? ["localhost"])
        {
            san.AddDnsName(dns);
        }

        if (loopbackIp)
        {
            san.AddIpAddress(IPAddress.Loopback);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        byte[] serial = BitConverter.GetBytes(Interlocked.Increment(ref _serial) + 1000L);
        using X509Certificate2 certificate = request.Create(
            Ca, notBefore ?? DateTimeOffset.UtcNow.AddDays(-1), notAfter ?? DateTimeOffset.UtcNow.AddDays(7), serial);

        string certificatePath = Path.Combine(Directory, Sanitize(name) + ".crt");
        string keyPath = Path.Combine(Directory, Sanitize(name) + ".key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return new CertificateFiles(certificatePath, keyPath, CaPath);
    }

    public void Dispose()
    {
        Ca.Dispose();
        _caKey.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private static string Sanitize(string name) => string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-'));
}
