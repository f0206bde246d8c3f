using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Tls;

/// <summary>Nodes that listen with TLS (https://127.0.0.1:0) and trust a test CA.</summary>
internal static class TlsNodes
{
    /// <summary>Points the options at the certificate files: the node's certificate, and the CA it trusts.</summary>
    public static void Use(ReplicatedCacheOptions options, CertificateFiles files, string? trust = null)
    {
        options.Listen = "https://127.0.0.1:0";
        options.Tls.CertificatePath = files.CertificatePath;
        options.Tls.KeyPath = files.KeyPath;
        options.Tls.CaCertificatePath = trust ?? files.CaPath;
    }

    public static Task<ReplicatedCacheNode> StartPrimaryAsync(CertificateFiles files, Action<ReplicatedCacheOptions>? configure = null) =>
        Nodes.StartPrimaryAsync(o =>
        {
            Use(o, files);
            configure?.Invoke(o);
        });

    public static Task<ReplicatedCacheNode> StartSecondaryAsync(Uri primary, CertificateFiles files, Action<ReplicatedCacheOptions>? configure = null) =>
        Nodes.StartSecondaryAsync(primary, o =>
        {
            Use(o, files);
            configure?.Invoke(o);
        });

    /// <summary>Waits until the secondary's link reports it is down and why, and returns the reason.</summary>
    public static async Task<string> WaitLinkDownReasonAsync(ReplicatedCacheNode secondary)
    {
        await Poll.UntilAsync(() => secondary.Replication.GetInfo().LinkDownReason is not null, "the link to report why it is down");
        return secondary.Replication.GetInfo().LinkDownReason!;
    }
}
