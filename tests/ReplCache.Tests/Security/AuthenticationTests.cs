using Grpc.Core;
using Grpc.Net.Client;
using ReplCache.Protocol;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Security;

/// <summary>AuthToken on the replication endpoint: refused peers learn nothing, and refusals are logged once, never per attempt.</summary>
public class AuthenticationTests
{
    private const string Token = "correct-horse-battery-staple";

    [Fact]
    public async Task EveryMethod_WithoutOrWithAWrongToken_IsUnauthenticated_AndLearnsNothing()
    {
        using var log = new CapturedLog();
        await using ReplicatedCacheNode primary = await ReplicatedCacheNode.StartAsync(Nodes.Options(configure: o => o.AuthToken = Token), log);
        primary.Cache.Set("secret-key", "secret-value"u8.ToArray(), new());
        ReplicationInfo info = primary.Replication.GetInfo();
        using GrpcChannel channel = GrpcChannel.ForAddress(primary.Address);
        var client = new ReplCache.Protocol.Replication.ReplicationClient(channel);

        foreach (Metadata? headers in new Metadata?[] { null, AuthToken.Headers("wrong"), new Metadata { { "authorization", Token } } })
        {
            for (int attempt = 0; attempt < 5; attempt++)
            {
                RpcException describe = await Assert.ThrowsAsync<RpcException>(async () => await client.DescribeAsync(new DescribeRequest(), headers));
                AssertLearnsNothing(describe, info);

                using AsyncDuplexStreamingCall<SecondaryMessage, PrimaryMessage> call = client.Sync(headers);
                RpcException sync = await Assert.ThrowsAsync<RpcException>(async () =>
                {
                    try
                    {
                        await call.RequestStream.WriteAsync(new SecondaryMessage { Hello = new Hello { NodeId = "intruder", ReplicationId = "?", NextOffset = -1 } });
                    }
                    catch (RpcException)
                    {
                        // The refusal may already have ended the call; reading it below reports the status.
                    }

                    await call.ResponseStream.MoveNext();
                });
                AssertLearnsNothing(sync, info);
                Assert.DoesNotContain(call.GetTrailers(), t => t.Value.Contains(info.ReplicationId, StringComparison.Ordinal));
            }
        }

        Assert.Empty(primary.Replication.GetInfo().Replicas);

        // Thirty refused calls from one address: one warning per kind of refusal (no token, wrong token), with the
        // address and never a token.
        string[] warnings = [.. log.Messages(120)];
        Assert.Equal(2, warnings.Length);
        Assert.All(warnings, w => Assert.Contains("127.0.0.1", w, StringComparison.Ordinal));
        Assert.All(log.Entries, e => Assert.DoesNotContain(Token, e.Message, StringComparison.Ordinal));
        Assert.All(log.Entries, e => Assert.DoesNotContain("wrong", e.Message, StringComparison.Ordinal));

        // The right token still works.
        NodeDescription description = await client.DescribeAsync(new DescribeRequest(), AuthToken.Headers(Token));
        Assert.Equal(info.ReplicationId, description.ReplicationId);
    }

    [Fact]
    public async Task SecondaryWithAWrongToken_ReportsItDown_RetriesWithBackoff_AndLogsItOnce()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync(o => o.AuthToken = Token);
        primary.Cache.Set("k", [1], new());
        await using var proxy = new TcpFaultProxy(primary.Address);
        using var log = new CapturedLog();
        await using ReplicatedCacheNode secondary = await ReplicatedCacheNode.StartAsync(Nodes.Options(proxy.Address, o => o.AuthToken = "not-the-token"), log);

        await Poll.UntilAsync(() => proxy.ConnectionsAccepted >= 5 && secondary.Replication.GetInfo().LinkStatus == PrimaryLinkStatus.Down, "several refused attempts");
        ReplicationInfo info = secondary.Replication.GetInfo();
        Assert.Contains("Unauthenticated", info.LinkDownReason, StringComparison.Ordinal);
        Assert.Contains("master_link_status:down", info.ToInfoString(), StringComparison.Ordinal);
        Assert.NotEqual(primary.Replication.GetInfo().ReplicationId, info.ReplicationId);
        Assert.Equal(0, secondary.Cache.Count);

        // Backoff: a handful of attempts, not hundreds, in the time it took.
        Assert.True(proxy.ConnectionsAccepted < 40, $"{proxy.ConnectionsAccepted} connections: the secondary is not backing off");

        // The link-down warning (event 43) once, however many retries failed the same way.
        Assert.True(log.Count(43) == 1, string.Join("\n", log.Messages(43)));
        Assert.All(log.Entries, e => Assert.DoesNotContain("not-the-token", e.Message, StringComparison.Ordinal));
    }

    private static void AssertLearnsNothing(RpcException refusal, ReplicationInfo info)
    {
        Assert.Equal(StatusCode.Unauthenticated, refusal.StatusCode);
        Assert.DoesNotContain(info.ReplicationId, refusal.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(info.NodeId, refusal.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", refusal.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(info.Offset.ToString(System.Globalization.CultureInfo.InvariantCulture) + " ", refusal.Status.Detail, StringComparison.Ordinal);
    }
}
