using System.Globalization;
using ReplCache.Hosting;

namespace ReplCache.Tls;

/// <summary>
/// The TLS part of <see cref="ReplicatedCacheOptionsValidator"/>: that the settings agree with each other and with the
/// endpoints' schemes, and that the files they name load — so a bad certificate stops start-up naming the setting.
/// </summary>
internal static class TlsOptionsValidation
{
    /// <summary>Reports each failure through <paramref name="fail"/>: setting (relative to ReplicatedCacheOptions), value, rule.</summary>
    public static void Check(ReplicatedCacheOptions o, Action<string, object?, string> fail)
    {
        if (o.Tls is not { } tls)
        {
            fail(nameof(o.Tls), null, "must not be null (a new ReplicatedCacheTlsOptions: no TLS)");
            return;
        }

        const string T = nameof(ReplicatedCacheOptions.Tls) + ".";
        int sources = (tls.Certificate is null ? 0 : 1) + (tls.CertificatePath is null ? 0 : 1) + (tls.CertificateThumbprint is null ? 0 : 1);
        if (sources > 1)
        {
            fail(T + nameof(tls.CertificatePath), tls.CertificatePath, "conflicts: give exactly one of Tls.Certificate, Tls.CertificatePath and Tls.CertificateThumbprint");
        }

        if (tls.KeyPath is not null && tls.CertificatePath is null)
        {
            fail(T + nameof(tls.KeyPath), tls.KeyPath, "needs Tls.CertificatePath (the PEM certificate the key belongs to)");
        }

        if (tls.KeyPath is not null && Path.GetExtension(tls.CertificatePath) is { } ext
            && (ext.Equals(".pfx", StringComparison.OrdinalIgnoreCase) || ext.Equals(".p12", StringComparison.OrdinalIgnoreCase)))
        {
            fail(T + nameof(tls.KeyPath), tls.KeyPath, "must be null with a PFX Tls.CertificatePath: the key is inside the PFX");
        }

        if (tls.CertificateThumbprint is { } thumbprint && (thumbprint.Length is not (40 or 64) || !thumbprint.All(char.IsAsciiHexDigit)))
        {
            fail(T + nameof(tls.CertificateThumbprint), thumbprint, "must be the certificate's SHA-1 (40) or SHA-256 (64) hex digits");
        }

        bool filesExist = true;
        foreach ((string setting, string? path) in new[] { (nameof(tls.CertificatePath), tls.CertificatePath), (nameof(tls.KeyPath), tls.KeyPath), (nameof(tls.CaCertificatePath), tls.CaCertificatePath) })
        {
            if (path is not null && !File.Exists(path))
            {
                fail(T + setting, path, "must name an existing file");
                filesExist = false;
            }
        }

        if (tls.ReloadInterval != TimeSpan.Zero && (tls.ReloadInterval < TimeSpan.FromMilliseconds(10) || tls.ReloadInterval > TimeSpan.FromDays(1)))
        {
            fail(T + nameof(tls.ReloadInterval), tls.ReloadInterval, "must be zero (never reloaded) or between 10 ms and one day");
        }

        if (!Enum.IsDefined(tls.ClientCertificateMode))
        {
            fail(T + nameof(tls.ClientCertificateMode), tls.ClientCertificateMode, "must be None, Optional or Required");
        }

        bool hasCertificate = sources > 0;
        bool listenTls = o.Listen is { } listen && listen.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
        bool respTls = o.RespListen is not null && (tls.RespTls ?? listenTls);
        if (listenTls && !hasCertificate)
        {
            fail(T + nameof(tls.CertificatePath), null, "must be set (or Tls.Certificate, or Tls.CertificateThumbprint) when Listen is https://: a TLS listener needs a certificate");
        }

        if (tls.RespTls == true && o.RespListen is null)
        {
            fail(T + nameof(tls.RespTls), true, "needs RespListen: there is no Redis-protocol endpoint to secure");
        }

        if (respTls && !listenTls && !hasCertificate)
        {
            fail(T + nameof(tls.CertificatePath), null, "must be set (or Tls.Certificate, or Tls.CertificateThumbprint) when Tls.RespTls is true: a TLS listener needs a certificate");
        }

        if (o.Listen is { } l && o.RespListen is { } r && tls.RespTls is { } wanted && wanted != listenTls && SharesPort(l, r))
        {
            fail(T + nameof(tls.RespTls), wanted, $"must agree with Listen ({l}) when RespListen ({r}) shares its port: one port is either TLS or plain");
        }

        if (tls.ClientCertificateMode != TlsClientCertificateMode.None && !listenTls && !respTls)
        {
            fail(T + nameof(tls.ClientCertificateMode), tls.ClientCertificateMode, "needs a TLS listener (an https:// Listen, or Tls.RespTls): client certificates are asked for in the TLS handshake");
        }

        if (tls.ReplicaOfUsesTls && o.PrimaryAddress is { Scheme: "http" } plain)
        {
            fail(nameof(o.PrimaryAddress), plain, "must be https:// when Tls.ReplicaOfUsesTls is true (replication to primaries is over TLS)");
        }

        if (!filesExist)
        {
            return;
        }

        try
        {
            CertificateLoader.LoadOwn(tls);
            CertificateLoader.LoadAuthorities(tls);
        }
        catch (InvalidOperationException ex) when (ex.Message.StartsWith(nameof(ReplicatedCacheOptions) + "." + T, StringComparison.Ordinal))
        {
            // The loader's message already reads "ReplicatedCacheOptions.Tls.<setting>: <problem>."
            string rest = ex.Message[(nameof(ReplicatedCacheOptions).Length + 1)..];
            int colon = rest.IndexOf(':', StringComparison.Ordinal);
            fail(rest[..colon], rest[..colon] switch
            {
                T + nameof(tls.KeyPath) => tls.KeyPath,
                T + nameof(tls.CaCertificatePath) => tls.CaCertificatePath,
                T + nameof(tls.CertificateThumbprint) => tls.CertificateThumbprint,
                T + nameof(tls.Certificate) => tls.Certificate?.Subject,
                _ => tls.CertificatePath,
            }, "cannot be loaded: " + rest[(colon + 2)..].TrimEnd('.'));
        }
    }

    private static bool SharesPort(string listen, string respListen)
    {
        if (!Uri.TryCreate(listen, UriKind.Absolute, out Uri? uri))
        {
            return false;
        }

        int colon = respListen.LastIndexOf(':');
        return colon > 0
            && int.TryParse(respListen.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port)
            && KestrelBinding.SameEndpoint(uri.Host, uri.Port, respListen[..colon], port);
    }
}
