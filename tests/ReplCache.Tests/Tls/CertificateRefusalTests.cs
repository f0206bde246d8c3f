using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Tls;

/// <summary>A secondary refuses a primary whose certificate it cannot trust, and says why in GetInfo().LinkDownReason.</summary>
public sealed class CertificateRefusalTests : IDisposable
{
    private readonly TestPki _pki = new();
    private readonly TestPki _otherPki = new("Some Other CA");

    public void Dispose()
    {
        _pki.Dispose();
        _otherPki.Dispose();
    }

    [Fact]
    public async Task PrimaryCertificateFromAnotherCa_SecondaryRefusesNamingTheUntrustedRoot()
    {
        await using ReplicatedCacheNode primary = await TlsNodes.StartPrimaryAsync(_otherPki.Issue("impostor"));
        await primary.Cache.SetStringAsync("secret", "must not reach the secondary");
        await using ReplicatedCacheNode secondary = await TlsNodes.StartSecondaryAsync(primary.Address, _pki.Issue("secondary"));

        string reason = await TlsNodes.WaitLinkDownReasonAsync(secondary);
        Assert.StartsWith("TLS: the primary's certificate was refused", reason, StringComparison.Ordinal);
        Assert.Contains("CN=impostor", reason, StringComparison.Ordinal);
        Assert.Contains("Tls.CaCertificatePath", reason, StringComparison.Ordinal);
        Assert.Contains("not issued by a trusted authority", reason, StringComparison.Ordinal);
        Assert.Contains("PartialChain", reason, StringComparison.Ordinal);
        Assert.NotEqual(PrimaryLinkStatus.Up, secondary.Replication.GetInfo().LinkStatus);
        Assert.Equal(0, secondary.Cache.Count);
        Assert.Empty(primary.Replication.GetInfo().Replicas);
    }

    [Fact]
    public async Task ExpiredPrimaryCertificate_SecondaryRefusesNamingTheValidity()
    {
        CertificateFiles expired = _pki.Issue("expired-primary", notBefore: DateTimeOffset.UtcNow.AddDays(-10), notAfter: DateTimeOffset.UtcNow.AddDays(-1));
        await using ReplicatedCacheNode primary = await TlsNodes.StartPrimaryAsync(expired);
        await using ReplicatedCacheNode secondary = await TlsNodes.StartSecondaryAsync(primary.Address, _pki.Issue("secondary"));

        string reason = await TlsNodes.WaitLinkDownReasonAsync(secondary);
        Assert.Contains("CN=expired-primary", reason, StringComparison.Ordinal);
        Assert.Contains("NotTimeValid", reason, StringComparison.Ordinal);
        Assert.Empty(primary.Replication.GetInfo().Replicas);
    }

    [Fact]
    public async Task PrimaryCertificateForAnotherHost_SecondaryRefusesTheNameMismatch()
    {
        CertificateFiles elsewhere = _pki.Issue("elsewhere", dnsNames: ["cache.example.com"], loopbackIp: false);
        await using ReplicatedCacheNode primary = await TlsNodes.StartPrimaryAsync(elsewhere);
        await using ReplicatedCacheNode secondary = await TlsNodes.StartSecondaryAsync(primary.Address, _pki.Issue("secondary"));

        string reason = await TlsNodes.WaitLinkDownReasonAsync(secondary);
        Assert.Contains("RemoteCertificateNameMismatch", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DevelopmentSwitch_AcceptsACertificateFromAnotherCa()
    {
        await using ReplicatedCacheNode primary = await TlsNodes.StartPrimaryAsync(_otherPki.Issue("dev-primary"));
        await primary.Cache.SetStringAsync("k", "v");
        await using ReplicatedCacheNode secondary = await TlsNodes.StartSecondaryAsync(primary.Address, _pki.Issue("secondary"),
            o => o.Tls.AllowUntrustedCertificatesForDevelopment = true);

        await Nodes.WaitInSyncAsync(primary, secondary);
        Assert.Equal(primary.Cache.GetDigest(), secondary.Cache.GetDigest());
    }

    [Fact]
    public async Task AfterTheRightCaIsTrusted_ANewSecondaryReplicates()
    {
        // The counterpart of the refusals above: the same impostor certificate is fine for a node trusting its CA.
        await using ReplicatedCacheNode primary = await TlsNodes.StartPrimaryAsync(_otherPki.Issue("other-primary"));
        await primary.Cache.SetStringAsync("k", "v");
        await using ReplicatedCacheNode secondary = await TlsNodes.StartSecondaryAsync(primary.Address, _pki.Issue("secondary"),
            o => o.Tls.CaCertificatePath = _otherPki.CaPath);

        await Nodes.WaitInSyncAsync(primary, secondary);
        Assert.Null(secondary.Replication.GetInfo().LinkDownReason);
    }
}
