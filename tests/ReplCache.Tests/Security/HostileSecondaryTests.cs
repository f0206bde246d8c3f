using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using ReplCache.Protocol;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Security;

/// <summary>
/// A fake secondary (the generated client) sending a real primary what no real secondary sends: it is disconnected
/// with the reason logged, never believed (WAIT does not count it), and the primary's data is unchanged.
/// </summary>
public class HostileSecondaryTests
{
    [Theory]
    [InlineData("ack-beyond-the-log", "beyond everything this node has written")]
    [InlineData("ack-negative", "negative offset")]
    [InlineData("ack-going-back", "acknowledgements never go back")]
    [InlineData("touch-oversized-key", "MaxKeyBytes")]
    [InlineData("second-hello", "unexpected Hello")]
    public async Task BadMessageAfterTheHandshake_DropsTheSecondary_WithALoggedReason(string kind, string reason)
    {
        using var log = new CapturedLog();
        await using ReplicatedCacheNode primary = await ReplicatedCacheNode.StartAsync(Nodes.Options(configure: o => o.MaxKeyBytes = 64), log);
        for (int i = 0; i < 10; i++)
        {
            primary.Cache.Set($"k{i}", [(byte)i], new());
        }

        string digest = primary.Cache.GetDigest();
        long end = primary.Replication.GetInfo().Offset;
        using GrpcChannel channel = GrpcChannel.ForAddress(primary.Address);
        using AsyncDuplexStreamingCall<SecondaryMessage, PrimaryMessage> call = new ReplCache.Protocol.Replication.ReplicationClient(channel).Sync();
        await call.RequestStream.WriteAsync(Hello("fake-secondary"));
        await ReadUntilAsync(call, PrimaryMessage.KindOneofCase.SnapshotEnd);
        await call.RequestStream.WriteAsync(new SecondaryMessage { Ack = new Ack { Offset = end } });
        await Poll.UntilAsync(() => primary.Replication.GetInfo().Replicas.Any(r => r.AckedOffset == end), "the fake secondary's good acknowledgement");

        SecondaryMessage bad = kind switch
        {
            "ack-beyond-the-log" => new SecondaryMessage { Ack = new Ack { Offset = end + 1_000_000 } },
            "ack-negative" => new SecondaryMessage { Ack = new Ack { Offset = -5 } },
            "ack-going-back" => new SecondaryMessage { Ack = new Ack { Offset = end - 1 } },
            "touch-oversized-key" => new SecondaryMessage { Touches = new Touches { Keys = { ByteString.CopyFrom(new byte[65]) } } },
            "second-hello" => Hello("fake-secondary"),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        await call.RequestStream.WriteAsync(bad);

        await Poll.UntilAsync(() => primary.Replication.GetInfo().Replicas.Count == 0, "the primary to drop the fake secondary");
        await Poll.UntilAsync(() => log.Messages(23).Any(m => m.Contains(reason, StringComparison.Ordinal)), "the logged reason");
        Assert.Equal(digest, primary.Cache.GetDigest());
        Assert.Equal(0, await primary.Replication.WaitForReplicasAsync(1, TimeSpan.FromMilliseconds(100)));
    }

    [Theory]
    [InlineData("no-hello", StatusCode.InvalidArgument)]
    [InlineData("empty-node-id", StatusCode.InvalidArgument)]
    [InlineData("long-node-id", StatusCode.InvalidArgument)]
    [InlineData("primary-own-id", StatusCode.FailedPrecondition)]
    [InlineData("oversized-message", StatusCode.ResourceExhausted)]
    public async Task BadHandshake_IsRefused_LoggedOncePerPeer_AndServesNothing(string kind, StatusCode expected)
    {
        using var log = new CapturedLog();
        await using ReplicatedCacheNode primary = await ReplicatedCacheNode.StartAsync(Nodes.Options(configure: o => o.MaxValueBytes = 1024), log);
        primary.Cache.Set("k", [1], new());
        string digest = primary.Cache.GetDigest();
        using GrpcChannel channel = GrpcChannel.ForAddress(primary.Address);
        var client = new ReplCache.Protocol.Replication.ReplicationClient(channel);
        string ownId = primary.Replication.GetInfo().NodeId;

        for (int attempt = 0; attempt < 3; attempt++)
        {
            using AsyncDuplexStreamingCall<SecondaryMessage, PrimaryMessage> call = client.Sync();
            SecondaryMessage first = kind switch
            {
                "no-hello" => new SecondaryMessage { Ack = new Ack { Offset = 0 } },
                "empty-node-id" => Hello(""),
                "long-node-id" => Hello(new string('x', 65)),
                "primary-own-id" => Hello(ownId),
                "oversized-message" => new SecondaryMessage { Touches = new Touches { Keys = { ByteString.CopyFrom(new byte[3 * 1024 * 1024]) } } },
                _ => throw new ArgumentOutOfRangeException(nameof(kind)),
            };
            RpcException refusal = await Assert.ThrowsAsync<RpcException>(async () =>
            {
                try
                {
                    await call.RequestStream.WriteAsync(first);
                }
                catch (RpcException)
                {
                    // The call may already have ended; reading reports its status.
                }

                while (await call.ResponseStream.MoveNext())
                {
                    Assert.Fail($"The primary sent {call.ResponseStream.Current.KindCase} to a refused peer.");
                }
            });
            Assert.Equal(expected, refusal.StatusCode);
        }

        Assert.Empty(primary.Replication.GetInfo().Replicas);
        Assert.Equal(digest, primary.Cache.GetDigest());
        if (expected is StatusCode.InvalidArgument or StatusCode.FailedPrecondition)
        {
            Assert.Equal(1, log.Count(121)); // three refusals, one warning
        }
    }

    private static SecondaryMessage Hello(string nodeId) =>
        new() { Hello = new Hello { NodeId = nodeId, ReplicationId = "?", NextOffset = -1, ProtocolVersion = 1 } };

    private static async Task ReadUntilAsync(AsyncDuplexStreamingCall<SecondaryMessage, PrimaryMessage> call, PrimaryMessage.KindOneofCase kind)
    {
        using var timeout = new CancellationTokenSource(Poll.DefaultTimeout);
        while (await call.ResponseStream.MoveNext(timeout.Token))
        {
            if (call.ResponseStream.Current.KindCase == kind)
            {
                return;
            }
        }

        Assert.Fail($"The stream ended before {kind}.");
    }
}
