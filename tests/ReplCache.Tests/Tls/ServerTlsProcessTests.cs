using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;
using ReplCache.Tests.Resp;
using ReplCache.Tests.Server;

namespace ReplCache.Tests.Tls;

/// <summary>replcache-server started with a TLS-only config: a replica over TLS of a TLS primary, serving TLS secondaries and redis clients.</summary>
public sealed class ServerTlsProcessTests : IDisposable
{
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    [Fact]
    public async Task TlsOnlyServer_ReplicatesOverTls_AndServesTlsClientsWithCertificates()
    {
        await using ReplicatedCacheNode primary = await TlsNodes.StartPrimaryAsync(_pki.Issue("primary"),
            o => o.Tls.ClientCertificateMode = TlsClientCertificateMode.Required);
        await primary.Cache.SetStringAsync("k1", "v1");

        CertificateFiles files = _pki.Issue("server");
        int port = FreePort();
        string config = Path.Combine(_pki.Directory, "tls.conf");
        await File.WriteAllTextAsync(config, $"""
            port 0
            tls-port {port}
            tls-cert-file {files.CertificatePath}
            tls-key-file {files.KeyPath}
            tls-ca-cert-file {files.CaPath}
            tls-replication yes
            replicaof 127.0.0.1 {primary.Address.Port}
            save ""
            dir {_pki.Directory}
            """);
        await using ServerProcess server = ServerProcess.Start(_pki.Directory, config);
        Uri ready = await server.WaitReadyAsync();
        Assert.Equal(port, ready.Port);
        var address = new Uri($"https://127.0.0.1:{port}");

        await using ReplicatedCacheNode secondary = await TlsNodes.StartSecondaryAsync(address, _pki.Issue("secondary"));
        await Poll.UntilAsync(() => secondary.Cache.GetString("k1") == "v1", "the write to flow primary -> server -> secondary over TLS");

        var tls = new SslClientAuthenticationOptions
        {
            TargetHost = "127.0.0.1",
            ClientCertificates = [X509Certificate2.CreateFromPemFile(files.CertificatePath, files.KeyPath)],
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(_pki.Ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                using X509Certificate2 leaf = X509CertificateLoader.LoadCertificate(certificate!.GetRawCertData());
                return chain.Build(leaf);
            },
        };
        await using RespTestClient client = await RespTestClient.ConnectTlsAsync(new IPEndPoint(IPAddress.Loopback, port), tls);
        Assert.Equal("v1", await client.CallAsync("GET", "k1"));
        object?[] tlsPort = Assert.IsType<object?[]>(await client.CallAsync("CONFIG", "GET", "tls-port"));
        Assert.Equal(port.ToString(System.Globalization.CultureInfo.InvariantCulture), tlsPort[1]);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
