using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Tls;

/// <summary>A primary that requires client certificates: a secondary presents its own; one without is refused.</summary>
public sealed class MutualTlsTests : IDisposable
{
    private readonly TestPki _pki = new();
    private readonly TestPki _otherPki = new("Untrusted Client CA");

    public void Dispose()
    {
        _pki.Dispose();
        _otherPki.Dispose();
    }

    [Fact]
    public async Task SecondaryWithItsCertificate_ReplicatesFromAPrimaryRequiringOne()
    {
        await using ReplicatedCacheNode primary = await TlsNodes.StartPrimaryAsync(_pki.Issue("primary"),
            o => o.Tls.ClientCertificateMode = TlsClientCertificateMode.Required);
        await primary.Cache.SetStringAsync("k", "v");
        await using ReplicatedCacheNode secondary = await TlsNodes.StartSecondaryAsync(primary.Address, _pki.Issue("secondary"));

        await Nodes.WaitInSyncAsync(primary, secondary);
        Assert.Equal("v", await secondary.Cache.GetStringAsync("k"));
    }

    [Fact]
    public async Task SecondaryWithoutACertificate_IsRefused()
    {
        await using ReplicatedCacheNode primary = await TlsNodes.StartPrimaryAsync(_pki.Issue("primary"),
            o => o.Tls.ClientCertificateMode = TlsClientCertificateMode.Required);
        await primary.Cache.SetStringAsync("k", "v");
        // Trusts the primary, but has no certificate of its own to present.
        await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(primary.Address, o => o.Tls.CaCertificatePath = _pki.CaPath);

        string reason = await TlsNodes.WaitLinkDownReasonAsync(secondary);
        Assert.DoesNotContain("primary's certificate was refused", reason, StringComparison.Ordinal);
        Assert.True(reason.Contains("no TLS certificate to present", StringComparison.Ordinal), reason);
        Assert.NotEqual(PrimaryLinkStatus.Up, secondary.Replication.GetInfo().LinkStatus);
        Assert.Equal(0, secondary.Cache.Count);
        Assert.Empty(primary.Replication.GetInfo().Replicas);
    }

    [Fact]
    public async Task SecondaryWithACertificateFromAnUntrustedCa_IsRefused()
    {
        await using ReplicatedCacheNode primary = await TlsNodes.StartPrimaryAsync(_pki.Issue("primary"),
            o => o.Tls.ClientCertificateMode = TlsClientCertificateMode.Required);
        CertificateFiles foreign = _otherPki.Issue("foreign-secondary");
        await using ReplicatedCacheNode secondary = await TlsNodes.StartSecondaryAsync(primary.Address, foreign,
            o => o.Tls.CaCertificatePath = _pki.CaPath);

        await TlsNodes.WaitLinkDownReasonAsync(secondary);
        Assert.Equal(0, secondary.Cache.Count);
        Assert.Empty(primary.Replication.GetInfo().Replicas);
    }

    [Fact]
    public async Task OptionalMode_AcceptsASecondaryWithoutACertificate()
    {
        await using ReplicatedCacheNode primary = await TlsNodes.StartPrimaryAsync(_pki.Issue("primary"),
            o => o.Tls.ClientCertificateMode = TlsClientCertificateMode.Optional);
        await primary.Cache.SetStringAsync("k", "v");
        await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(primary.Address, o => o.Tls.CaCertificatePath = _pki.CaPath);

        await Nodes.WaitInSyncAsync(primary, secondary);
    }
}
