using Google.Protobuf;
using ReplCache.Protocol;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Security;

/// <summary>
/// A real secondary fed bad streams by a scripted primary: each is refused with the reason in GetInfo() and the log,
/// the secondary keeps retrying, and its data stays exactly what the last good sync gave it.
/// </summary>
public class HostilePrimaryTests
{
    private const int MaxValueBytes = 4096;

    public static TheoryData<string, string> BadStreams => new()
    {
        { "records-gap", "expects offset" },
        { "records-garbage", "log record" },
        { "records-oversized-value", "MaxValueBytes" },
        { "records-endless-record", "record longer than" },
        { "records-oversized-message", "ResourceExhausted" },
        { "continue-wrong-offset", "asked to continue from" },
        { "continue-malformed-id", "malformed replication id" },
        { "fullresync-negative-offset", "negative offset" },
        { "snapshot-end-outside-sync", "SnapshotEnd outside a full sync" },
        { "snapshot-chunk-outside-sync", "snapshot chunk outside a full sync" },
        { "second-handshake", "unexpected FullResync" },
        { "records-before-handshake", "answered the handshake with Records" },
        { "huge-topology", "topology" },
    };

    [Theory]
    [MemberData(nameof(BadStreams))]
    public async Task BadStream_IsRefused_WithAReason_AndTheDataIsUnchanged(string kind, string reason)
    {
        var synced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var proceed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using FakePrimary fake = await FakePrimary.StartAsync(
            async s =>
            {
                long end = await SyncThreeEntriesAsync(s);
                await s.WaitForAckAsync(end);
                synced.TrySetResult();
                await proceed.Task.WaitAsync(s.Aborted); // then end the stream: the secondary reconnects to continue
            },
            s => SendBadAsync(s, kind));
        using var log = new CapturedLog();
        await using ReplicatedCacheNode secondary = await ReplicatedCacheNode.StartAsync(
            Nodes.Options(fake.Address, o => o.MaxValueBytes = MaxValueBytes), log);

        await synced.Task.WaitAsync(Poll.DefaultTimeout);
        string digest = secondary.Cache.GetDigest();
        Assert.Equal(3, secondary.Cache.Count);
        proceed.SetResult();

        // Two bad sessions at least: the first refusal, and a retry that met the same stream.
        await Poll.UntilAsync(
            () => fake.Sessions >= 3 && secondary.Replication.GetInfo().LinkDownReason?.Contains(reason, StringComparison.Ordinal) == true,
            $"the secondary to refuse the {kind} stream");

        Assert.Equal(digest, secondary.Cache.GetDigest());
        Assert.Equal(3, secondary.Cache.Count);
        Assert.Equal(new byte[] { 2 }, secondary.Cache.Get("b"));
        Assert.Contains(log.Messages(43), m => m.Contains(reason, StringComparison.Ordinal));
        Assert.Empty(fake.ScriptFailures);
    }

    [Fact]
    public async Task FullResyncClaimingAnAbsurdEntryCount_DoesNotMakeTheSecondaryAllocateForIt()
    {
        await using FakePrimary fake = await FakePrimary.StartAsync(async s =>
        {
            await s.SendAsync(new PrimaryMessage { FullResync = new FullResync { ReplicationId = s.Fake.ReplicationId, Offset = 0, EntryCountEstimate = long.MaxValue, PrimaryUptimeMs = 3_600_000 } });
            await s.SendAsync(new PrimaryMessage { SnapshotChunk = new SnapshotChunk { Payload = ByteString.CopyFrom(FakePrimary.SetRecord("a", [1])) } });
            await s.SendAsync(new PrimaryMessage { SnapshotEnd = new SnapshotEnd { EntryCount = 1 } });
            await s.HoldAsync();
        });
        long before = GC.GetTotalAllocatedBytes(precise: true);
        await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(fake.Address);
        await Poll.UntilAsync(() => secondary.Replication.GetInfo().LinkStatus == PrimaryLinkStatus.Up, "the full sync");
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.Equal(1, secondary.Cache.Count);
        Assert.True(allocated < 256L * 1024 * 1024, $"a claimed entry count made the process allocate {allocated / 1024 / 1024} MiB");
    }

    /// <summary>A good full sync of a, b, c; returns the offset the secondary ends at.</summary>
    private static async Task<long> SyncThreeEntriesAsync(FakePrimarySession s)
    {
        await s.SendAsync(new PrimaryMessage { FullResync = new FullResync { ReplicationId = s.Fake.ReplicationId, Offset = 0, EntryCountEstimate = 2, PrimaryUptimeMs = 3_600_000 } });
        byte[] snapshot = [.. FakePrimary.SetRecord("a", [1]), .. FakePrimary.SetRecord("b", [2])];
        await s.SendAsync(new PrimaryMessage { SnapshotChunk = new SnapshotChunk { Payload = ByteString.CopyFrom(snapshot) } });
        await s.SendAsync(new PrimaryMessage { SnapshotEnd = new SnapshotEnd { EntryCount = 2 } });
        byte[] record = FakePrimary.SetRecord("c", [3]);
        await s.SendAsync(new PrimaryMessage { Records = new Records { StartOffset = 0, Payload = ByteString.CopyFrom(record) } });
        return record.Length;
    }

    private static async Task SendBadAsync(FakePrimarySession s, string kind)
    {
        long at = s.Hello.NextOffset;
        var resume = new PrimaryMessage { Continue = new Continue { ReplicationId = s.Fake.ReplicationId, Offset = at } };
        PrimaryMessage Records(long start, byte[] payload) => new() { Records = new Records { StartOffset = start, Payload = ByteString.CopyFrom(payload) } };
        switch (kind)
        {
            case "records-gap":
                await s.SendAsync(resume);
                await s.SendAsync(Records(at + 5, FakePrimary.SetRecord("b", [99])));
                break;
            case "records-garbage":
                await s.SendAsync(resume);
                await s.SendAsync(Records(at, [0xc1, 0xff, 0x00, 0x13]));
                break;
            case "records-oversized-value":
                await s.SendAsync(resume);
                await s.SendAsync(Records(at, FakePrimary.SetRecord("b", new byte[MaxValueBytes + 1])));
                break;
            case "records-endless-record":
                // A Set record whose value claims 16 MB: its bytes keep coming, and the secondary must stop buffering
                // them once no record within the limits could be that long.
                await s.SendAsync(resume);
                await s.SendAsync(Records(at, [0x96, 0x00, 0xc4, 0x01, (byte)'b', 0xc6, 0x00, 0xff, 0xff, 0x00]));
                long offset = at + 10;
                for (int i = 0; i < 8; i++)
                {
                    await s.SendAsync(Records(offset, new byte[32 * 1024]));
                    offset += 32 * 1024;
                }

                break;
            case "records-oversized-message":
                await s.SendAsync(resume);
                await s.SendAsync(Records(at, new byte[2 * 1024 * 1024]));
                break;
            case "continue-wrong-offset":
                await s.SendAsync(new PrimaryMessage { Continue = new Continue { ReplicationId = s.Fake.ReplicationId, Offset = at + 10 } });
                break;
            case "continue-malformed-id":
                await s.SendAsync(new PrimaryMessage { Continue = new Continue { ReplicationId = "not-an-id", Offset = at } });
                break;
            case "fullresync-negative-offset":
                await s.SendAsync(new PrimaryMessage { FullResync = new FullResync { ReplicationId = s.Fake.ReplicationId, Offset = -7, EntryCountEstimate = 5, PrimaryUptimeMs = 3_600_000 } });
                break;
            case "snapshot-end-outside-sync":
                await s.SendAsync(resume);
                await s.SendAsync(new PrimaryMessage { SnapshotEnd = new SnapshotEnd { EntryCount = 0 } });
                break;
            case "snapshot-chunk-outside-sync":
                await s.SendAsync(resume);
                await s.SendAsync(new PrimaryMessage { SnapshotChunk = new SnapshotChunk { Payload = ByteString.CopyFrom(FakePrimary.SetRecord("b", [99])) } });
                break;
            case "second-handshake":
                await s.SendAsync(resume);
                await s.SendAsync(new PrimaryMessage { FullResync = new FullResync { ReplicationId = s.Fake.ReplicationId, Offset = 0, EntryCountEstimate = 0 } });
                break;
            case "records-before-handshake":
                await s.SendAsync(Records(at, FakePrimary.SetRecord("b", [99])));
                break;
            case "huge-topology":
                await s.SendAsync(resume);
                var topology = new Topology();
                topology.UpstreamNodeIds.AddRange(Enumerable.Range(0, 5000).Select(i => $"n{i}"));
                await s.SendAsync(new PrimaryMessage { Topology = topology });
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown bad stream");
        }

        await s.HoldAsync();
    }
}
