using System.Net.Security;
using ReplCache.Tests.Tls;

namespace ReplCache.Tests.Resp;

/// <summary>
/// Pub/sub on a TLS RESP port (Sentinel with <c>tls-replication yes</c>): a publisher wakes the subscriber's
/// connection from its read, which over TLS cancels a read of the TLS stream, possibly in the middle of a record.
/// </summary>
public sealed class PubSubOverTlsTests : IDisposable
{
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    [Fact]
    public async Task MessagesAndLargeCommands_Interleave_WithoutLosingOrBreakingAFrame()
    {
        await using ReplicatedCacheNode node = await TlsNodes.StartPrimaryAsync(_pki.Issue("primary"), o => o.RespListen = "127.0.0.1:0");
        var tls = new SslClientAuthenticationOptions { TargetHost = "127.0.0.1", RemoteCertificateValidationCallback = (_, _, _, _) => true };
        await using RespTestClient subscriber = await RespTestClient.ConnectTlsAsync(node.RespEndPoint!, tls);
        await using RespTestClient publisher = await RespTestClient.ConnectTlsAsync(node.RespEndPoint!, tls);
        await subscriber.CallAsync("SUBSCRIBE", "c");

        const int Messages = 300, Pings = 20;
        Task publishing = Task.Run(async () =>
        {
            for (int i = 0; i < Messages; i++)
            {
                Assert.Equal(1L, await publisher.CallAsync("PUBLISH", "c", i.ToString()));
            }
        });

        // Large PINGs span many TLS records and TCP segments: a wake-up lands in the middle of one now and then.
        string big = new('p', 200 * 1024);
        Task pinging = Task.Run(async () =>
        {
            for (int i = 0; i < Pings; i++)
            {
                await subscriber.SendAsync(RespTestClient.Encode("PING", big));
            }
        });

        int next = 0, pongs = 0;
        while (next < Messages || pongs < Pings)
        {
            object?[] push = Assert.IsType<object?[]>(await subscriber.ReadAsync());
            if (push[0] is "pong")
            {
                Assert.Equal(big, push[1]);
                pongs++;
            }
            else
            {
                Assert.Equal(["message", "c", next.ToString()], push);
                next++;
            }
        }

        await Task.WhenAll(publishing, pinging);
    }
}
