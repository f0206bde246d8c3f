using Microsoft.Extensions.Caching.Distributed;

namespace ReplCache.Demo;

/// <summary>
/// Section 2.2 of the seed tutorial (Redis, one primary and two replicas), step by step, on three ReplCache nodes
/// named after the tutorial's ports. Each step does what the tutorial does with redis-cli, prints what
/// <c>INFO replication</c> shows, and checks that the outcome is the one the tutorial describes.
/// </summary>
internal sealed class SeedWalkthrough(string directory, InfoPrinter print) : IAsyncDisposable
{
    private readonly DemoNode _6379 = new("6379", directory);
    private readonly DemoNode _6380 = new("6380", directory);
    private readonly DemoNode _6381 = new("6381", directory);

    /// <summary>The step being played, for the report when one goes wrong.</summary>
    public string CurrentStep { get; private set; } = "0";

    private DemoNode[] All => [_6379, _6380, _6381];

    public async Task RunAsync()
    {
        await Step1_ThreeIndependentPrimariesAsync();
        Step2_WriteOnOneNodeOnly();
        await Step3_ReplicaOfAsync();
        await Step4_FullSyncAsync();
        await Step5_IncrementalSyncAsync();
        Step6_ReplicasAreReadOnly();
        await Step7_PrimaryDownAsync();
        await Step8_PrimaryBackAsync();
        await Step9_ReplicaDownAsync();
        await Step10_ReplicaBackAsync();
        await Step11a_PrimaryDownAgainAsync();
        await Step11b_PromoteAsync();
        await Step11c_RepointAsync();
        await Step11d_OldPrimaryBackAloneAsync();
        await Step11e_ChainAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (DemoNode node in All)
        {
            await node.DisposeAsync();
        }
    }

    private async Task Step1_ThreeIndependentPrimariesAsync()
    {
        Begin("1", "Three servers start: each is a primary with no replicas (info replication)");
        foreach (DemoNode node in All)
        {
            await node.StartAsync();
        }

        foreach (DemoNode node in All)
        {
            ReplicationInfo info = node.Info;
            Expect.That(info.Role == ReplicationRole.Primary && info.Replicas.Count == 0, $"{node.Name} a primary with no replicas", () => $"{info.Role} with {info.Replicas.Count}");
        }

        print.Print(All);
    }

    private void Step2_WriteOnOneNodeOnly()
    {
        Begin("2", "set k1 v1 on 6379: the three servers are independent");
        _6379.Cache.SetString("k1", "v1");
        Expect.Equal("v1", _6379.Cache.GetString("k1"), "k1 on 6379");
        Expect.Equal(null, _6380.Cache.GetString("k1"), "k1 on 6380");
        Expect.Equal(null, _6381.Cache.GetString("k1"), "k1 on 6381");
        print.Print(All);
    }

    private async Task Step3_ReplicaOfAsync()
    {
        Begin("3", "REPLICAOF 127.0.0.1 6379 on 6380 and on 6381");
        await _6380.Replication.ReplicaOfAsync(_6379.Address);
        await _6381.Replication.ReplicaOfAsync(_6379.Address);
        foreach (DemoNode replica in new[] { _6380, _6381 })
        {
            Expect.Equal(ReplicationRole.Secondary, replica.Info.Role, $"{replica.Name}'s role");
            Expect.Equal(_6379.Address, replica.Info.PrimaryAddress, $"{replica.Name}'s primary");
        }

        print.Say("both are replicas of 6379 at once; the sync runs in the background");
    }

    private async Task Step4_FullSyncAsync()
    {
        Begin("4", "Full sync: what 6379 already held is copied to both replicas (keys *)");
        await InSyncAsync(_6379, _6380, _6381);
        Expect.Equal("k1", string.Join(' ', _6380.Cache.GetKeys()), "keys * on 6380");
        Expect.Equal("k1", string.Join(' ', _6381.Cache.GetKeys()), "keys * on 6381");
        Expect.Equal(2L, _6379.Info.FullSyncs, "6379's sync_full");
        print.Print(All);
    }

    private async Task Step5_IncrementalSyncAsync()
    {
        Begin("5", "Incremental sync: set k2 v2 on 6379 streams to the replicas");
        _6379.Cache.SetString("k2", "v2");
        await InSyncAsync(_6379, _6380, _6381);
        Expect.Equal("v2", _6380.Cache.GetString("k2"), "k2 on 6380");
        Expect.Equal("v2", _6381.Cache.GetString("k2"), "k2 on 6381");
        Expect.Equal(2L, _6379.Info.FullSyncs, "6379's sync_full (no new full sync)");
        print.Print(All);
    }

    private void Step6_ReplicasAreReadOnly()
    {
        Begin("6", "Writes go to the primary: set k3 v3 on a replica is refused");
        foreach (DemoNode replica in new[] { _6380, _6381 })
        {
            var refused = Expect.Throws<ReadOnlyReplicaException>(() => replica.Cache.SetString("k3", "v3"), $"set k3 v3 on {replica.Name} to be refused");
            Expect.That(refused.Message.StartsWith("READONLY", StringComparison.Ordinal), "a message starting READONLY", () => refused.Message);
            print.Say($"{replica.Name}> set k3 v3  ->  (error) {refused.Message}");
        }

        Expect.Equal(null, _6379.Cache.GetString("k3"), "k3 anywhere");
    }

    private async Task Step7_PrimaryDownAsync()
    {
        Begin("7", "6379 shuts down: the replicas stay replicas, report the link down, and keep serving reads");
        long offset = _6379.Info.Offset;
        await _6379.StopAsync();
        await Expect.UntilAsync(
            () => _6380.Info.LinkStatus == PrimaryLinkStatus.Down && _6381.Info.LinkStatus == PrimaryLinkStatus.Down,
            "both links down",
            () => $"6380 {_6380.Info.LinkStatus}, 6381 {_6381.Info.LinkStatus}");
        foreach (DemoNode replica in new[] { _6380, _6381 })
        {
            ReplicationInfo info = replica.Info;
            Expect.That(info.Role == ReplicationRole.Secondary && info.LinkDownFor is not null, $"{replica.Name} a replica counting the time since its link went down", () => $"{info.Role}, down for {info.LinkDownFor}");
            Expect.Equal(offset, info.Offset, $"{replica.Name}'s offset (the stop let it acknowledge everything)");
            Expect.Equal("v2", replica.Cache.GetString("k2"), $"get k2 on {replica.Name}");
        }

        print.Print(All);
    }

    private async Task Step8_PrimaryBackAsync()
    {
        Begin("8", "6379 restarts on its port with its data: the replicas reconnect by themselves, partial resync");
        await _6379.StartAsync();
        Expect.Equal("k1 k2", string.Join(' ', _6379.Cache.GetKeys().Order(StringComparer.Ordinal)), "keys * on the restarted 6379");
        await InSyncAsync(_6379, _6380, _6381);
        Expect.Equal(0L, _6379.Info.FullSyncs, "6379's sync_full");
        Expect.Equal(2L, _6379.Info.PartialSyncsAccepted, "6379's sync_partial_ok");
        SameData(_6379, _6380, _6381);
        print.Say("the restarted 6379 took a new replication id and kept the old one as master_replid2, as Redis 7 does");
        print.Print(All);
    }

    private async Task Step9_ReplicaDownAsync()
    {
        Begin("9", "Replica 6380 shuts down: 6379 has one replica left, 6381 is unaffected");
        await _6380.StopAsync();
        await Expect.UntilAsync(
            () => _6379.Info.Replicas is [{ NodeId: "6381" }],
            "6379 to list only 6381",
            () => $"it lists {string.Join(", ", _6379.Info.Replicas.Select(r => r.NodeId))}");
        _6379.Cache.SetString("k4", "v4");
        await InSyncAsync(_6379, _6381);
        Expect.Equal("v4", _6381.Cache.GetString("k4"), "k4 on 6381");
        print.Say("set k4 v4 on 6379 while 6380 is down");
        print.Print(All);
    }

    private async Task Step10_ReplicaBackAsync()
    {
        Begin("10", "6380 restarts: configured with its primary, it reconnects by itself (Redis would need REPLICAOF again)");
        await _6380.StartAsync(primary: _6379.Address);
        await InSyncAsync(_6379, _6380, _6381);
        Expect.Equal("v4", _6380.Cache.GetString("k4"), "k4 on 6380, written while it was down");
        Expect.Equal(0L, _6379.Info.FullSyncs, "6379's sync_full");
        Expect.Equal(3L, _6379.Info.PartialSyncsAccepted, "6379's sync_partial_ok (6380 continued from its snapshot)");

        await _6380.Replication.ReplicaOfAsync(_6379.Address);
        _6379.Cache.SetString("k5", "v5");
        await InSyncAsync(_6379, _6380, _6381);
        Expect.Equal(3L, _6379.Info.PartialSyncsAccepted, "6379's sync_partial_ok after REPLICAOF again (a no-op)");
        print.Say("REPLICAOF 127.0.0.1 6379 on 6380 again: already so, nothing changes; set k5 v5 reaches everyone");
        print.Print(All);
    }

    private async Task Step11a_PrimaryDownAgainAsync()
    {
        Begin("11a", "6379 shuts down again: the replicas wait");
        long offset = _6379.Info.Offset;
        await _6379.StopAsync();
        await Expect.UntilAsync(
            () => _6380.Info.LinkStatus == PrimaryLinkStatus.Down && _6381.Info.LinkStatus == PrimaryLinkStatus.Down,
            "both links down",
            () => $"6380 {_6380.Info.LinkStatus}, 6381 {_6381.Info.LinkStatus}");
        Expect.Equal(offset, _6380.Info.Offset, "6380's offset");
        Expect.Equal(offset, _6381.Info.Offset, "6381's offset");
        print.Print(All);
    }

    private async Task Step11b_PromoteAsync()
    {
        Begin("11b", "REPLICAOF NO ONE on 6380: it becomes a primary with a new replication id");
        ReplicationInfo before = _6380.Info;
        await _6380.Replication.PromoteToPrimaryAsync();
        ReplicationInfo after = _6380.Info;
        Expect.Equal(ReplicationRole.Primary, after.Role, "6380's role");
        Expect.Equal(before.ReplicationId, after.ReplicationId2, "6380's master_replid2 (its previous id)");
        Expect.Equal(before.Offset + 1, after.SecondOffset, "6380's second_repl_offset");
        _6380.Cache.SetString("k6", "v6");
        print.Say("the old id stays valid up to second_repl_offset, so former siblings can continue (PSYNC2); set k6 v6 on 6380 is accepted");
        print.Print(All);
    }

    private async Task Step11c_RepointAsync()
    {
        Begin("11c", "REPLICAOF 127.0.0.1 6380 on 6381: it continues from the shared history, a partial resync");
        await _6381.Replication.ReplicaOfAsync(_6380.Address);
        await InSyncAsync(_6380, _6381);
        Expect.Equal("v6", _6381.Cache.GetString("k6"), "k6 on 6381");
        Expect.Equal(0L, _6380.Info.FullSyncs, "6380's sync_full");
        Expect.Equal(1L, _6380.Info.PartialSyncsAccepted, "6380's sync_partial_ok");
        print.Print(All);
    }

    private async Task Step11d_OldPrimaryBackAloneAsync()
    {
        Begin("11d", "6379 restarts: alone, a primary with its old data and no replicas");
        await _6379.StartAsync();
        Expect.Equal(ReplicationRole.Primary, _6379.Info.Role, "6379's role");
        Expect.Equal(0, _6379.Info.Replicas.Count, "6379's connected_slaves");
        Expect.Equal("v5", _6379.Cache.GetString("k5"), "k5 on 6379");
        Expect.Equal(null, _6379.Cache.GetString("k6"), "k6 on 6379 (written on 6380 after 6379 went down)");
        print.Print(All);
    }

    private async Task Step11e_ChainAsync()
    {
        Begin("11e", "REPLICAOF 127.0.0.1 6381 on 6379: 6381 is a replica (of 6380) and a primary (of 6379)");
        await _6379.Replication.ReplicaOfAsync(_6381.Address);
        _6380.Cache.SetString("k7", "v7");
        await InSyncAsync(_6380, _6381, _6379);
        await Expect.UntilAsync(
            () => _6381.Info.Replicas is [{ NodeId: "6379", State: "online" }],
            "6381 to list 6379 as its replica",
            () => $"it lists {string.Join(", ", _6381.Info.Replicas.Select(r => $"{r.NodeId} {r.State}"))}");
        Expect.Equal(ReplicationRole.Secondary, _6381.Info.Role, "6381's role");
        Expect.Equal(_6380.Address, _6381.Info.PrimaryAddress, "6381's primary");
        Expect.Equal("v7", _6379.Cache.GetString("k7"), "k7, written on 6380, on 6379");
        SameData(_6380, _6381, _6379);
        print.Say("set k7 v7 on 6380 flows 6380 -> 6381 -> 6379; all three hold the same data at the same offset");
        print.Say("(6379's restart began a history of its own, which 6381 never saw: it got a full sync, as in Redis)");
        print.Print(All);
    }

    private void Begin(string step, string title)
    {
        CurrentStep = step;
        print.Heading(step, title);
    }

    /// <summary>
    /// Waits until every secondary's link is up at <paramref name="primary"/>'s offset, and the node it replicates
    /// from directly lists it online, acknowledging that offset (the <c>slaveN:...,offset=</c> figure).
    /// </summary>
    private Task InSyncAsync(DemoNode primary, params DemoNode[] secondaries) =>
        Expect.UntilAsync(
            () => secondaries.All(s => s.Info is { LinkStatus: PrimaryLinkStatus.Up } info && info.Offset == primary.Info.Offset && AcknowledgedUpstream(s, info.Offset)),
            $"{string.Join(" and ", secondaries.Select(s => s.Name))} up at {primary.Name}'s offset, and acknowledged",
            () => $"{primary.Name} is at {primary.Info.Offset}; " + string.Join(", ", secondaries.Select(s => $"{s.Name} is {s.Info.LinkStatus} at {s.Info.Offset}")));

    private bool AcknowledgedUpstream(DemoNode secondary, long offset) =>
        All.FirstOrDefault(n => n.IsRunning && n.Port == secondary.Info.PrimaryAddress?.Port) is { } upstream
        && upstream.Info.Replicas.Any(r => r.NodeId == secondary.Name && r.State == "online" && r.AckedOffset == offset);

    /// <summary>Equal content (the cache's digest) and equal offsets.</summary>
    private static void SameData(DemoNode primary, params DemoNode[] secondaries)
    {
        foreach (DemoNode secondary in secondaries)
        {
            Expect.Equal(primary.Cache.GetDigest(), secondary.Cache.GetDigest(), $"{secondary.Name}'s digest ({primary.Name}'s)");
            Expect.Equal(primary.Info.Offset, secondary.Info.Offset, $"{secondary.Name}'s offset ({primary.Name}'s)");
        }
    }
}
