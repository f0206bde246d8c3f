using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Tls;

/// <summary>A primary and its secondaries replicating over TLS (gRPC, h2 by ALPN), certificates from PEM files.</summary>
public sealed class TlsReplicationTests : IDisposable
{
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    [Fact]
    public async Task TlsPrimary_WithTwoTlsSecondaries_ReplicatesAndDigestsMatch()
    {
        await using ReplicatedCacheNode primary = await TlsNodes.StartPrimaryAsync(_pki.Issue("primary"));
        Assert.Equal("https", primary.Address.Scheme);
        await primary.Cache.SetStringAsync("before", "written before the secondaries connected");

        await using ReplicatedCacheNode first = await TlsNodes.StartSecondaryAsync(primary.Address, _pki.Issue("secondary-1"));
        await using ReplicatedCacheNode second = await TlsNodes.StartSecondaryAsync(primary.Address, _pki.Issue("secondary-2"));
        for (int i = 0; i < 200; i++)
        {
            await primary.Cache.SetStringAsync($"key:{i}", $"value {i}");
        }

        await Nodes.WaitInSyncAsync(primary, first, second);
        Assert.Equal(primary.Cache.GetDigest(), first.Cache.GetDigest());
        Assert.Equal(primary.Cache.GetDigest(), second.Cache.GetDigest());
        Assert.Equal(201, second.Cache.Count);
        Assert.Equal(2, primary.Replication.GetInfo().Replicas.Count);
    }

    [Fact]
    public async Task ReplicaOf_OverTls_DescribesTheChainAndRefusesALoop()
    {
        // REPLICAOF walks the chain with Describe calls: over https:// they must validate the certificate too.
        await using ReplicatedCacheNode a = await TlsNodes.StartPrimaryAsync(_pki.Issue("node-a"));
        await using ReplicatedCacheNode b = await TlsNodes.StartPrimaryAsync(_pki.Issue("node-b"));
        await a.Replication.ReplicaOfAsync(b.Address);
        await b.Cache.SetStringAsync("k", "v");
        await Nodes.WaitInSyncAsync(b, a);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => b.Replication.ReplicaOfAsync(a.Address));
        Assert.Contains("loop", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlainSecondary_ToTlsPrimaryWithTheSystemStoreOnly_RefusesTheUnknownAuthority()
    {
        await using ReplicatedCacheNode primary = await TlsNodes.StartPrimaryAsync(_pki.Issue("primary"));
        // No CaCertificatePath: the system trust store, which has never heard of the test CA.
        await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(primary.Address);

        string reason = await TlsNodes.WaitLinkDownReasonAsync(secondary);
        Assert.Contains("certificate", reason, StringComparison.Ordinal);
        Assert.Contains("system trust store", reason, StringComparison.Ordinal);
        Assert.Empty(primary.Replication.GetInfo().Replicas);
    }
}
