using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;
using ReplCache.Tests.Resp;

namespace ReplCache.Tests.Tls;

/// <summary>The Redis-protocol endpoint over TLS, as Redis's tls-port: alone, or sharing the replication port.</summary>
public sealed class RespTlsTests : IDisposable
{
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    /// <summary>What <c>redis-cli --tls --cacert ca.crt [--cert c.crt --key c.key]</c> does: trust only the test CA.</summary>
    private SslClientAuthenticationOptions ClientTls(CertificateFiles? clientCertificate = null) => new()
    {
        TargetHost = "127.0.0.1",
        RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(_pki.Ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using X509Certificate2 leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return chain.Build(leaf);
        },
        ClientCertificates = clientCertificate is null
            ? null
            : [X509Certificate2.CreateFromPemFile(clientCertificate.CertificatePath, clientCertificate.KeyPath)],
    };

    private Task<ReplicatedCacheNode> StartSharedPortPrimaryAsync(Action<ReplicatedCacheOptions>? configure = null) =>
        TlsNodes.StartPrimaryAsync(_pki.Issue("primary"), o =>
        {
            o.RespListen = "127.0.0.1:0"; // the same endpoint as Listen: one TLS port for both
            configure?.Invoke(o);
        });

    [Fact]
    public async Task SharedTlsPort_ServesRedisClientsAndSecondaries()
    {
        await using ReplicatedCacheNode primary = await StartSharedPortPrimaryAsync();
        Assert.Equal(primary.Address.Port, primary.RespEndPoint!.Port);

        await using RespTestClient client = await RespTestClient.ConnectTlsAsync(primary.RespEndPoint, ClientTls());
        Assert.Equal("PONG", await client.CallAsync("PING"));
        Assert.Equal("OK", await client.CallAsync("SET", "greeting", "hello over TLS"));
        Assert.Equal("hello over TLS", await client.CallAsync("GET", "greeting"));

        await using ReplicatedCacheNode secondary = await TlsNodes.StartSecondaryAsync(primary.Address, _pki.Issue("secondary"));
        Assert.Equal(1L, await client.CallAsync("WAIT", "1", "10000"));
        Assert.Equal("hello over TLS", await secondary.Cache.GetStringAsync("greeting"));
    }

    [Fact]
    public async Task SeparateTlsRespPort_BesidePlainReplication()
    {
        await using ReplicatedCacheNode node = await Nodes.StartPrimaryAsync(o =>
        {
            o.RespListen = "127.0.0.2:0"; // another endpoint than Listen's (http://127.0.0.1:0)
            o.Tls.RespTls = true;
            o.Tls.CertificatePath = _pki.Issue("resp-only").CertificatePath;
            o.Tls.KeyPath = Path.ChangeExtension(o.Tls.CertificatePath, ".key");
        });
        Assert.Equal("http", node.Address.Scheme);
        Assert.NotEqual(node.Address.Port, node.RespEndPoint!.Port);

        var tls = ClientTls();
        tls.TargetHost = "localhost";
        await using RespTestClient client = await RespTestClient.ConnectTlsAsync(node.RespEndPoint, tls);
        Assert.Equal("OK", await client.CallAsync("SET", "k", "v"));
        Assert.Equal("v", await node.Cache.GetStringAsync("k"));
    }

    [Fact]
    public async Task PlainTextClient_OnTheTlsPort_IsClosedAndTheNodeCarriesOn()
    {
        await using ReplicatedCacheNode primary = await StartSharedPortPrimaryAsync();
        await using ReplicatedCacheNode secondary = await TlsNodes.StartSecondaryAsync(primary.Address, _pki.Issue("secondary"));

        using (var plain = new TcpClient())
        {
            await plain.ConnectAsync(primary.RespEndPoint!);
            NetworkStream stream = plain.GetStream();
            await stream.WriteAsync(RespTestClient.Encode("SET", "plain", "text"));
            string answer = await ReadUntilClosedAsync(stream);
            Assert.DoesNotContain("+OK", answer, StringComparison.Ordinal);
        }

        Assert.Null(await primary.Cache.GetStringAsync("plain"));
        await using RespTestClient client = await RespTestClient.ConnectTlsAsync(primary.RespEndPoint!, ClientTls());
        Assert.Equal("OK", await client.CallAsync("SET", "after", "still serving"));
        await Nodes.WaitInSyncAsync(primary, secondary);
        Assert.Equal("still serving", await secondary.Cache.GetStringAsync("after"));
    }

    [Fact]
    public async Task ClientWithoutCertificate_WhenRequired_IsRefused_AndOneWithACertificateIsServed()
    {
        await using ReplicatedCacheNode primary = await StartSharedPortPrimaryAsync(o => o.Tls.ClientCertificateMode = TlsClientCertificateMode.Required);

        Exception? refused = await Record.ExceptionAsync(async () =>
        {
            // TLS 1.3 lets the client finish its handshake before the server checks for a certificate, so the
            // refusal shows either in the handshake or as the connection closing on the first command.
            await using RespTestClient anonymous = await RespTestClient.ConnectTlsAsync(primary.RespEndPoint!, ClientTls());
            await anonymous.CallAsync("SET", "anonymous", "write");
        });
        Assert.True(refused is AuthenticationException or IOException, $"expected the connection to be refused, got {refused?.ToString() ?? "a reply"}");
        Assert.Null(await primary.Cache.GetStringAsync("anonymous"));

        await using RespTestClient client = await RespTestClient.ConnectTlsAsync(primary.RespEndPoint!, ClientTls(_pki.Issue("redis-client")));
        Assert.Equal("OK", await client.CallAsync("SET", "k", "v"));
    }

    [Fact]
    public async Task ReplicaOfCommand_WithReplicaOfUsesTls_ConnectsToThePrimaryOverTls()
    {
        await using ReplicatedCacheNode primary = await TlsNodes.StartPrimaryAsync(_pki.Issue("primary"));
        await primary.Cache.SetStringAsync("k", "v");
        await using ReplicatedCacheNode replica = await StartSharedPortPrimaryAsync(o => o.Tls.ReplicaOfUsesTls = true);

        await using RespTestClient client = await RespTestClient.ConnectTlsAsync(replica.RespEndPoint!, ClientTls());
        Assert.Equal("OK", await client.CallAsync("REPLICAOF", "127.0.0.1", primary.Address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        await Nodes.WaitInSyncAsync(primary, replica);
        Assert.Equal(new Uri($"https://127.0.0.1:{primary.Address.Port}"), replica.Replication.GetInfo().PrimaryAddress);
        Assert.Equal("v", await client.CallAsync("GET", "k"));
    }

    /// <summary>Everything the server sends until it closes the connection (a TLS server may answer garbage with an alert).</summary>
    private static async Task<string> ReadUntilClosedAsync(NetworkStream stream)
    {
        var received = new StringBuilder();
        byte[] buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(Poll.DefaultTimeout);
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                received.Append(Encoding.Latin1.GetString(buffer, 0, n));
            }
        }
        catch (IOException)
        {
            // reset by the server: closed too
        }

        return received.ToString();
    }
}
