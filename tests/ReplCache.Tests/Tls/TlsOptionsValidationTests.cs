using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Tls;

/// <summary>TLS settings are checked at start; a failure names the setting and says what it must be.</summary>
public sealed class TlsOptionsValidationTests : IDisposable
{
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    private static async Task<string> StartFailureAsync(Action<ReplicatedCacheOptions> configure)
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => ReplicatedCacheNode.StartAsync(Nodes.Options(configure: configure)));
        return failure.Message;
    }

    [Fact]
    public async Task HttpsListen_WithoutACertificate_NamesTheSetting()
    {
        string message = await StartFailureAsync(o => o.Listen = "https://127.0.0.1:0");
        Assert.Contains("ReplicatedCacheOptions.Tls.CertificatePath must be set", message, StringComparison.Ordinal);
        Assert.Contains("Listen is https://", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingCertificateFile_NamesTheSetting()
    {
        string message = await StartFailureAsync(o => TlsNodes.Use(o, new CertificateFiles(Path.Combine(_pki.Directory, "nope.crt"), Path.Combine(_pki.Directory, "nope.key"), _pki.CaPath)));
        Assert.Contains("ReplicatedCacheOptions.Tls.CertificatePath must name an existing file", message, StringComparison.Ordinal);
        Assert.Contains("ReplicatedCacheOptions.Tls.KeyPath must name an existing file", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GarbageCertificateFile_CannotBeLoaded_NamesTheSetting()
    {
        string garbage = Path.Combine(_pki.Directory, "garbage.crt");
        await File.WriteAllTextAsync(garbage, "not a certificate");
        CertificateFiles good = _pki.Issue("node");
        string message = await StartFailureAsync(o => TlsNodes.Use(o, good with { CertificatePath = garbage }));
        Assert.Contains("ReplicatedCacheOptions.Tls.CertificatePath cannot be loaded", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeyOfAnotherCertificate_CannotBeLoaded()
    {
        CertificateFiles one = _pki.Issue("one");
        CertificateFiles two = _pki.Issue("two");
        string message = await StartFailureAsync(o => TlsNodes.Use(o, one with { KeyPath = two.KeyPath }));
        Assert.Contains("cannot be loaded", message, StringComparison.Ordinal);
        Assert.Contains(two.KeyPath, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CaFileWithoutCertificates_NamesTheSetting()
    {
        string empty = Path.Combine(_pki.Directory, "empty-ca.crt");
        await File.WriteAllTextAsync(empty, "-----BEGIN NOTHING-----\n-----END NOTHING-----\n");
        string message = await StartFailureAsync(o => TlsNodes.Use(o, _pki.Issue("node"), trust: empty));
        Assert.Contains("ReplicatedCacheOptions.Tls.CaCertificatePath cannot be loaded", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoCertificateSources_Conflict()
    {
        using X509Certificate2 certificate = LoadPem(_pki.Issue("code"));
        string message = await StartFailureAsync(o =>
        {
            TlsNodes.Use(o, _pki.Issue("file"));
            o.Tls.Certificate = certificate;
        });
        Assert.Contains("give exactly one of Tls.Certificate, Tls.CertificatePath and Tls.CertificateThumbprint", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RespTlsDisagreeingWithListen_OnOneSharedPort_IsRefused()
    {
        string message = await StartFailureAsync(o =>
        {
            TlsNodes.Use(o, _pki.Issue("node"));
            o.RespListen = "127.0.0.1:0";
            o.Tls.RespTls = false;
        });
        Assert.Contains("ReplicatedCacheOptions.Tls.RespTls must agree with Listen", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientCertificatesRequired_WithoutATlsListener_IsRefused()
    {
        string message = await StartFailureAsync(o => o.Tls.ClientCertificateMode = TlsClientCertificateMode.Required);
        Assert.Contains("ReplicatedCacheOptions.Tls.ClientCertificateMode needs a TLS listener", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Certificate_FromCode_AndFromAPfxFile_BothServe()
    {
        CertificateFiles files = _pki.Issue("pfx-node");
        using X509Certificate2 pem = LoadPem(files);
        string pfx = Path.Combine(_pki.Directory, "node.pfx");
        await File.WriteAllBytesAsync(pfx, pem.Export(X509ContentType.Pkcs12, "s3cret"));

        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync(o =>
        {
            o.Listen = "https://127.0.0.1:0";
            o.Tls.CertificatePath = pfx;
            o.Tls.CertificatePassword = "s3cret";
            o.Tls.CaCertificates = [_pki.Ca];
        });
        using X509Certificate2 secondaryCertificate = LoadPem(_pki.Issue("code-node"));
        await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(primary.Address, o =>
        {
            o.Listen = "https://127.0.0.1:0";
            o.Tls.Certificate = secondaryCertificate;
            o.Tls.CaCertificates = [_pki.Ca];
        });
        await Nodes.WaitInSyncAsync(primary, secondary);
    }

    [Fact]
    public async Task WrongPfxPassword_NamesTheSetting()
    {
        using X509Certificate2 pem = LoadPem(_pki.Issue("pfx-node"));
        string pfx = Path.Combine(_pki.Directory, "locked.pfx");
        await File.WriteAllBytesAsync(pfx, pem.Export(X509ContentType.Pkcs12, "right"));
        string message = await StartFailureAsync(o =>
        {
            o.Listen = "https://127.0.0.1:0";
            o.Tls.CertificatePath = pfx;
            o.Tls.CertificatePassword = "wrong";
        });
        Assert.Contains("ReplicatedCacheOptions.Tls.CertificatePath cannot be loaded", message, StringComparison.Ordinal);
    }

    private static X509Certificate2 LoadPem(CertificateFiles files) => X509Certificate2.CreateFromPemFile(files.CertificatePath, files.KeyPath);
}
