using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ReplCache.Tls;

/// <summary>
/// Loads the certificates <see cref="ReplicatedCacheTlsOptions"/> names. Every failure is an
/// <see cref="InvalidOperationException"/> whose message starts with the setting at fault.
/// </summary>
internal static class CertificateLoader
{
    private const string Prefix = nameof(ReplicatedCacheOptions) + "." + nameof(ReplicatedCacheOptions.Tls) + ".";

    /// <summary>The node's own certificate and the intermediates to send with it; null when none is configured.</summary>
    public static (X509Certificate2 Leaf, X509Certificate2Collection Intermediates)? LoadOwn(ReplicatedCacheTlsOptions tls)
    {
        if (tls.Certificate is { } given)
        {
            return given.HasPrivateKey
                ? (given, [])
                : throw Problem(nameof(tls.Certificate), $"'{given.Subject}' has no private key");
        }

        if (tls.CertificatePath is { } path)
        {
            return FromFile(tls, path);
        }

        if (tls.CertificateThumbprint is { } thumbprint)
        {
            return (FromStore(tls, thumbprint), []);
        }

        return null;
    }

    /// <summary>The trusted authorities; null when none is configured (the system store is used).</summary>
    public static X509Certificate2Collection? LoadAuthorities(ReplicatedCacheTlsOptions tls)
    {
        if (tls.CaCertificatePath is null && tls.CaCertificates is null)
        {
            return null;
        }

        var authorities = new X509Certificate2Collection();
        if (tls.CaCertificates is { } given)
        {
            authorities.AddRange(given);
        }

        if (tls.CaCertificatePath is { } path)
        {
            try
            {
                string text = File.ReadAllText(path);
                if (text.Contains("-----BEGIN", StringComparison.Ordinal))
                {
                    authorities.ImportFromPem(text);
                }
                else
                {
                    authorities.Add(X509CertificateLoader.LoadCertificateFromFile(path));
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
            {
                throw Problem(nameof(tls.CaCertificatePath), $"'{path}' cannot be read as PEM or DER certificates: {ex.Message}", ex);
            }
        }

        return authorities.Count > 0
            ? authorities
            : throw Problem(nameof(tls.CaCertificatePath), $"'{tls.CaCertificatePath}' holds no certificate");
    }

    private static (X509Certificate2, X509Certificate2Collection) FromFile(ReplicatedCacheTlsOptions tls, string path)
    {
        try
        {
            string extension = Path.GetExtension(path);
            if (extension.Equals(".pfx", StringComparison.OrdinalIgnoreCase) || extension.Equals(".p12", StringComparison.OrdinalIgnoreCase))
            {
                X509Certificate2Collection all = X509CertificateLoader.LoadPkcs12CollectionFromFile(path, tls.CertificatePassword);
                X509Certificate2 leaf = all.FirstOrDefault(c => c.HasPrivateKey)
                    ?? throw Problem(nameof(tls.CertificatePath), $"'{path}' holds no certificate with a private key");
                all.Remove(leaf);
                return (leaf, all);
            }

            string keyPath = tls.KeyPath ?? path;
            X509Certificate2 pem = tls.CertificatePassword is { } password
                ? X509Certificate2.CreateFromEncryptedPemFile(path, password, keyPath)
                : X509Certificate2.CreateFromPemFile(path, keyPath);
            // SChannel (Windows) cannot use the ephemeral key a PEM import makes; a PKCS#12 round trip persists it.
            X509Certificate2 usable = OperatingSystem.IsWindows()
                ? X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null)
                : pem;
            var chain = new X509Certificate2Collection();
            chain.ImportFromPemFile(path);
            X509Certificate2Collection intermediates = [.. chain.Where(c => c.Thumbprint != usable.Thumbprint)];
            return (usable, intermediates);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            string setting = tls.KeyPath is not null && ex.Message.Contains("key", StringComparison.OrdinalIgnoreCase) ? nameof(tls.KeyPath) : nameof(tls.CertificatePath);
            throw Problem(setting, $"cannot load the certificate '{path}'{(tls.KeyPath is { } k ? $" with the key '{k}'" : "")}: {ex.Message}", ex);
        }
    }

    private static X509Certificate2 FromStore(ReplicatedCacheTlsOptions tls, string thumbprint)
    {
        try
        {
            using var store = new X509Store(tls.CertificateStoreName, tls.CertificateStoreLocation);
            store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
            X509Certificate2 found = store.Certificates.Find(X509FindType.FindByThumbprint, thumbprint, validOnly: false).FirstOrDefault()
                ?? throw Problem(nameof(tls.CertificateThumbprint), $"'{thumbprint}' is not in the {tls.CertificateStoreLocation}/{tls.CertificateStoreName} store");
            return found.HasPrivateKey
                ? found
                : throw Problem(nameof(tls.CertificateThumbprint), $"'{thumbprint}' ({found.Subject}) has no private key in the store");
        }
        catch (CryptographicException ex)
        {
            throw Problem(nameof(tls.CertificateThumbprint), $"the {tls.CertificateStoreLocation}/{tls.CertificateStoreName} store cannot be opened: {ex.Message}", ex);
        }
    }

    private static InvalidOperationException Problem(string setting, string what, Exception? inner = null) =>
        new($"{Prefix}{setting}: {what}.", inner);
}
