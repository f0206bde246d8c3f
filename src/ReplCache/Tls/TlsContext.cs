using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

namespace ReplCache.Tls;

/// <summary>
/// A node's TLS material, loaded at start from <see cref="ReplicatedCacheTlsOptions"/> and again whenever the files it
/// came from change (<see cref="CertificateReload"/>): its certificate, the authorities it trusts, and how it judges a
/// peer's certificate — the primary's when it connects, a client's when it listens with <see cref="TlsClientCertificateMode"/> set.
/// </summary>
/// <remarks>
/// Every handshake reads the material current at that moment, so a reloaded certificate serves the next connection
/// and the one after, while connections already established keep the session they negotiated: rotating a certificate
/// drops no link.
/// </remarks>
internal sealed partial class TlsContext : IDisposable
{
    /// <summary>Extended key usage OIDs: a server's certificate must allow server authentication, a client's client authentication.</summary>
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    private readonly ILogger _logger;
    private volatile TlsMaterial _material;
    private CertificateReload? _reload;

    private TlsContext(ReplicatedCacheTlsOptions options, ILogger logger)
    {
        _logger = logger;
        ClientCertificateMode = options.ClientCertificateMode;
        AllowUntrusted = options.AllowUntrustedCertificatesForDevelopment;
        _material = TlsMaterial.Load(options);
    }

    /// <summary>This node's certificate now; null when none is configured.</summary>
    public X509Certificate2? Certificate => _material.Certificate;

    /// <summary>The only roots trusted now; null: the system's trust store.</summary>
    public X509Certificate2Collection? Authorities => _material.Authorities;

    public TlsClientCertificateMode ClientCertificateMode { get; }

    public bool AllowUntrusted { get; }

    /// <summary>Certificates loaded since start because their files changed.</summary>
    public int Reloads => _reload?.Reloads ?? 0;

    /// <summary>
    /// Loads the material and says what an operator must know at every start: the development switch, and a
    /// certificate of its own that is not valid now (served anyway, as Redis would: peers will refuse it). With
    /// certificate files and a positive <see cref="ReplicatedCacheTlsOptions.ReloadInterval"/>, starts watching them.
    /// </summary>
    /// <exception cref="InvalidOperationException">A file or store entry cannot be loaded; the message names the setting.</exception>
    public static TlsContext Load(ReplicatedCacheOptions options, ILogger logger, string nodeId)
    {
        var context = new TlsContext(options.Tls, logger);
        if (context.AllowUntrusted)
        {
            Log.DevelopmentTrust(logger, nodeId);
        }

        context.WarnIfNotValidNow(nodeId);
        context._reload = CertificateReload.Start(options, context, logger, nodeId);
        return context;
    }

    /// <summary>Takes freshly loaded material for every handshake from now on (the reload's doing).</summary>
    internal void Replace(TlsMaterial material, string nodeId)
    {
        _material = material;
        WarnIfNotValidNow(nodeId);
    }

    /// <summary>Stops watching the certificate files.</summary>
    public void Dispose() => _reload?.Dispose();

    private void WarnIfNotValidNow(string nodeId)
    {
        if (Certificate is { } own && (DateTime.Now < own.NotBefore || DateTime.Now > own.NotAfter))
        {
            Log.OwnCertificateNotValidNow(_logger, nodeId, own.Subject, own.NotBefore, own.NotAfter);
        }
    }

    /// <summary>Kestrel's settings for a TLS listener of this node.</summary>
    /// <param name="alpn">False for a RESP-only endpoint: Redis clients negotiate no application protocol.</param>
    public HttpsConnectionAdapterOptions ServerOptions(bool alpn)
    {
        var options = new HttpsConnectionAdapterOptions
        {
            // The certificate and its intermediates, sent whole so that a peer trusting only the root can build the chain.
            // Kestrel requires one at setup; each handshake then takes the current one (OnAuthenticate below).
            ServerCertificate = Certificate,
            ServerCertificateChain = _material.Intermediates,
            ClientCertificateMode = ClientCertificateMode switch
            {
                TlsClientCertificateMode.Required => Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.RequireCertificate,
                TlsClientCertificateMode.Optional => Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.AllowCertificate,
                _ => Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.NoCertificate,
            },
            ClientCertificateValidation = (certificate, chain, errors) =>
            {
                string? problem = Judge(certificate, chain, errors, ClientAuthentication, checkName: false);
                if (problem is not null)
                {
                    Log.ClientCertificateRefused(_logger, certificate.Subject, problem);
                }

                return problem is null;
            },
            OnAuthenticate = (_, ssl) =>
            {
                // The material current at this handshake: a reloaded certificate serves new connections at once.
                ssl.ServerCertificate = null;
                ssl.ServerCertificateContext = _material.Context;
                if (!alpn)
                {
                    ssl.ApplicationProtocols = null;
                }
            },
        };
        return options;
    }

    /// <summary>The client side of a link to <paramref name="address"/>: its check records why a certificate was refused.</summary>
    public SslClientAuthenticationOptions ClientOptions(Uri address, PeerCertificateCheck check) => new()
    {
        TargetHost = address.IdnHost,
        ClientCertificateContext = _material.Context,
        RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
        {
            string? problem = Judge(certificate, chain, errors, ServerAuthentication, checkName: true);
            check.Rejection = problem;
            if (problem is not null)
            {
                Log.ServerCertificateRefused(_logger, address, problem);
            }

            return problem is null;
        },
    };

    /// <summary>
    /// Null when the peer's certificate is acceptable, otherwise what is wrong with it, in words an operator can act on.
    /// With configured authorities the chain is rebuilt with custom root trust (only they are roots; the system
    /// store is ignored; no revocation check, as private CAs rarely publish one).
    /// </summary>
    internal string? Judge(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors, string usage, bool checkName)
    {
        if (AllowUntrusted)
        {
            return null;
        }

        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return "no certificate was presented";
        }

        using X509Certificate2 leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        string who = $"certificate '{leaf.Subject}' (issuer '{leaf.Issuer}', thumbprint {leaf.Thumbprint})";
        if (checkName && errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return $"{who} does not name this host (RemoteCertificateNameMismatch): its subject alternative names must include the host of the address used";
        }

        X509Certificate2Collection? authorities = Authorities;
        if (authorities is null)
        {
            return errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors)
                ? $"{who} is not trusted by the system trust store: {Describe(presented)} (set Tls.CaCertificatePath to the authority that issued it)"
                : null;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(usage));
        if (presented is not null)
        {
            chain.ChainPolicy.ExtraStore.AddRange(presented.ChainPolicy.ExtraStore);
            foreach (X509ChainElement element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        try
        {
            if (chain.Build(leaf))
            {
                return null;
            }

            bool foreign = chain.ChainStatus.Any(s => s.Status is X509ChainStatusFlags.PartialChain or X509ChainStatusFlags.UntrustedRoot);
            return $"{who} does not validate against Tls.CaCertificatePath{(foreign ? " (it is not issued by a trusted authority)" : "")}: {Describe(chain)}";
        }
        finally
        {
            foreach (X509ChainElement element in chain.ChainElements)
            {
                element.Certificate.Dispose();
            }
        }
    }

    private static string Describe(X509Chain? chain)
    {
        if (chain is null)
        {
            return "no chain";
        }

        IEnumerable<string> problems = chain.ChainStatus
            .Where(s => s.Status != X509ChainStatusFlags.NoError)
            .Select(s => $"{s.Status} ({s.StatusInformation.Trim().TrimEnd('.')})")
            .Distinct();
        return string.Join("; ", problems) is { Length: > 0 } text ? text : "the chain does not end at a trusted root";
    }
}
