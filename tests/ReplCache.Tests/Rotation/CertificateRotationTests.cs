using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using ReplCache.Tests.Infrastructure;
using ReplCache.Tests.Tls;

namespace ReplCache.Tests.Rotation;

/// <summary>
/// A mutual-TLS group moved to a new certificate authority while it runs and writes: the new authority is added to
/// every trust file, the primary's certificate replaced by one the new authority issued, then the old authority
/// removed from the primary's trust. New connections see each step; established links keep their sessions and never
/// drop; and once the old authority is gone, a peer holding only an old certificate is refused.
/// </summary>
public sealed class CertificateRotationTests : IDisposable
{
    private readonly TestPki _old = new("Old CA");
    private readonly TestPki _new = new("New CA");

    public void Dispose()
    {
        _old.Dispose();
        _new.Dispose();
    }

    [Fact]
    public async Task ANewAuthorityAndCertificate_RolledOutToARunningGroupUnderWrites_DropNoLink_AndTheOldAuthorityStopsWorking()
    {
        CertificateFiles primaryFiles = _old.Issue("primary");
        string primaryTrust = Path.Combine(_old.Directory, "primary-trust.crt");
        string secondaryTrust = Path.Combine(_old.Directory, "secondary-trust.crt");
        File.Copy(_old.CaPath, primaryTrust);
        File.Copy(_old.CaPath, secondaryTrust);
        void Mutual(ReplicatedCacheOptions o)
        {
            o.Tls.ClientCertificateMode = TlsClientCertificateMode.Required;
            o.Tls.ReloadInterval = TimeSpan.FromMilliseconds(50);
        }

        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync(o =>
        {
            TlsNodes.Use(o, primaryFiles, primaryTrust);
            Mutual(o);
        });
        await using ReplicatedCacheNode first = await StartSecondaryAsync(primary, _old.Issue("secondary-1"), secondaryTrust);
        await using ReplicatedCacheNode second = await StartSecondaryAsync(primary, _old.Issue("secondary-2"), secondaryTrust);
        await Nodes.WaitInSyncAsync(primary, first, second);
        BackgroundWriter writer = RotationGroup.WriteUnderneath(primary);
        string oldThumbprint = await ServedThumbprintAsync(primary);

        // 1. Every node trusts both authorities.
        await ReplaceAsync(primaryTrust, Bundle(_old.CaPath, _new.CaPath), primary);
        await ReplaceAsync(secondaryTrust, Bundle(_old.CaPath, _new.CaPath), first, second);

        // 2. The primary serves a certificate of the new authority to every new connection.
        CertificateFiles renewed = _new.Issue("primary-renewed");
        int reloads = primary.Core.Tls.Reloads;
        File.Copy(renewed.KeyPath, primaryFiles.KeyPath, overwrite: true);
        File.Copy(renewed.CertificatePath, primaryFiles.CertificatePath, overwrite: true);
        await Poll.UntilAsync(() => primary.Core.Tls.Reloads > reloads && primary.Core.Tls.Certificate?.Subject == "CN=primary-renewed", "the primary to load its renewed certificate");
        string newThumbprint = await ServedThumbprintAsync(primary);
        Assert.NotEqual(oldThumbprint, newThumbprint);
        Assert.Equal(primary.Core.Tls.Certificate!.Thumbprint, newThumbprint);

        // A secondary of the new authority, trusting only it, joins over a new connection.
        string newOnly = Path.Combine(_new.Directory, "new-only-trust.crt");
        File.Copy(_new.CaPath, newOnly);
        await using ReplicatedCacheNode third = await StartSecondaryAsync(primary, _new.Issue("secondary-3"), newOnly);
        await Nodes.WaitInSyncAsync(primary, third);

        // 3. The primary stops trusting the old authority: a peer with only an old certificate is refused from now on,
        // while the two secondaries linked with old certificates keep their established sessions.
        await ReplaceAsync(primaryTrust, File.ReadAllText(_new.CaPath), primary);
        await using ReplicatedCacheNode latecomer = await StartSecondaryAsync(primary, _old.Issue("secondary-late"), secondaryTrust);
        await TlsNodes.WaitLinkDownReasonAsync(latecomer); // the primary closes the handshake: the client sees a reset
        Assert.NotEqual(PrimaryLinkStatus.Up, latecomer.Replication.GetInfo().LinkStatus);
        string latecomerId = latecomer.Replication.GetInfo().NodeId;
        Assert.DoesNotContain(primary.Replication.GetInfo().Replicas, r => r.NodeId == latecomerId);

        await writer.StopAsync(); // rethrows the first failed write, if any
        Assert.True(writer.Writes > 0);
        await Nodes.WaitInSyncAsync(primary, first, second, third);
        Assert.All(new[] { first, second, third }, s => Assert.Equal(primary.Cache.GetDigest(), s.Cache.GetDigest()));
        await latecomer.DisposeAsync();
        await Poll.UntilAsync(() => primary.Replication.GetInfo().Replicas.Count == 3, "only the three linked secondaries to be listed");
        RotationGroup.AssertNoLinkWentDown(primary, fullSyncs: 3, first, second, third);
    }

    private static Task<ReplicatedCacheNode> StartSecondaryAsync(ReplicatedCacheNode primary, CertificateFiles files, string trust) =>
        Nodes.StartSecondaryAsync(primary.Address, o =>
        {
            TlsNodes.Use(o, files, trust);
            o.Tls.ReloadInterval = TimeSpan.FromMilliseconds(50);
        });

    private static string Bundle(params string[] authorities) => string.Join("\n", authorities.Select(File.ReadAllText));

    /// <summary>Writes <paramref name="path"/> anew and waits until each node has loaded it (a reload counted on each).</summary>
    private static async Task ReplaceAsync(string path, string contents, params ReplicatedCacheNode[] nodes)
    {
        int[] before = [.. nodes.Select(n => n.Core.Tls.Reloads)];
        string staged = path + ".new";
        await File.WriteAllTextAsync(staged, contents);
        File.Move(staged, path, overwrite: true); // as a deployment swaps a file: readers see the old or the new, whole
        await Poll.UntilAsync(() => nodes.Select((n, i) => n.Core.Tls.Reloads > before[i]).All(loaded => loaded), $"every node to reload {Path.GetFileName(path)}");
    }

    /// <summary>The thumbprint of the certificate a new TLS connection to the node is served.</summary>
    private static async Task<string> ServedThumbprintAsync(ReplicatedCacheNode node)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(node.Address.Host, node.Address.Port);
        X509Certificate2? served = null;
        await using var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false, (_, certificate, _, _) =>
        {
            served = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return true; // only looking at it
        });
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = node.Address.Host,
            ApplicationProtocols = [SslApplicationProtocol.Http2],
        });
        using X509Certificate2 certificate = served ?? throw new InvalidOperationException("The node served no certificate.");
        return certificate.Thumbprint;
    }
}
