using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;
using ReplCache.Tests.Resp;

namespace ReplCache.Tests.Replication;

/// <summary>
/// Redis 6.2's coordinated FAILOVER, the cases of Redis's <c>tests/integration/failover.tcl</c> on ReplCache nodes
/// (RESP sharing the replication port): argument errors, a handover to a named and to any caught-up secondary with no
/// full sync and equal digests, FORCE past a timeout with never two primaries, a timeout and an ABORT that roll back,
/// and a target that refuses the handover.
/// </summary>
public sealed class FailoverCommandTests
{
    [Fact]
    public async Task FailoverCommand_FailsWithoutConnectedReplica()
    {
        await using ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(primary);
        Assert.Equal(new RespError("ERR FAILOVER requires connected replicas."), await client.CallAsync("FAILOVER"));
        Assert.Equal("master", await Role(client));
    }

    [Fact]
    public async Task FailoverCommand_RefusesBadArguments_AndReplicas_WithRedisErrors()
    {
        await using Group group = await Group.StartAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(group.Primary);
        await using RespTestClient toReplica = await RespTestClient.ConnectAsync(group.Second);
        string port = group.First.RespEndPoint!.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(new RespError("ERR FAILOVER target HOST and PORT is not a replica."), await client.CallAsync("FAILOVER", "TO", "invalidhost", port));
        Assert.Equal(new RespError("ERR value is not an integer or out of range"), await client.CallAsync("FAILOVER", "TO", "127.0.0.1", "invalidport"));
        Assert.Equal(new RespError("ERR FAILOVER with force option requires both a timeout and target HOST and IP."), await client.CallAsync("FAILOVER", "FORCE", "TIMEOUT", "100"));
        Assert.Equal(new RespError("ERR FAILOVER with force option requires both a timeout and target HOST and IP."), await client.CallAsync("FAILOVER", "TO", "127.0.0.1", port, "FORCE"));
        Assert.Equal(new RespError("ERR FAILOVER timeout must be greater than 0"), await client.CallAsync("FAILOVER", "TIMEOUT", "0"));
        Assert.Equal(new RespError("ERR syntax error"), await client.CallAsync("FAILOVER", "SOON"));
        Assert.Equal(new RespError("ERR No failover in progress."), await client.CallAsync("FAILOVER", "ABORT"));
        Assert.Equal(new RespError("ERR FAILOVER is not valid when server is a replica."), await toReplica.CallAsync("FAILOVER"));

        await Assert.ThrowsAsync<ArgumentException>(() => group.Primary.Replication.FailoverAsync(force: true));
        Assert.Equal("master", await Role(client));
        Assert.Equal(FailoverState.None, group.Primary.Replication.GetInfo().FailoverState);
    }

    [Fact]
    public async Task FailoverCommand_ToSpecificReplica_UnderWrites_HandsOverWithNoFullSync_AndEqualDigests()
    {
        await using Group group = await Group.StartAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(group.Primary);

        // Writers keep writing through the API; each write lands on whoever is primary, or is refused READONLY there.
        using var stop = new CancellationTokenSource();
        int refused = 0, attempts = 0;
        Task writer = Task.Run(async () =>
        {
            // Bounded by time, not by a count a fast machine exhausts before the FAILOVER arrives.
            var running = System.Diagnostics.Stopwatch.StartNew();
            for (int i = 0; !stop.IsCancellationRequested && running.Elapsed < TimeSpan.FromSeconds(60); i++)
            {
                Volatile.Write(ref attempts, i + 1);
                try
                {
                    await group.Primary.Cache.SetAsync($"k{i % 500}", BitConverter.GetBytes(i), new());
                }
                catch (ReadOnlyReplicaException)
                {
                    Interlocked.Increment(ref refused);
                    await Task.Delay(1);
                }
            }
        });
        await Poll.UntilAsync(() => group.Primary.Replication.GetInfo().Offset > 10_000, "the writer to get going");

        string port = group.First.RespEndPoint!.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("OK", await client.CallAsync("FAILOVER", "TO", "127.0.0.1", port));
        await Poll.UntilAsync(() => group.Primary.Replication.GetInfo() is { FailoverState: FailoverState.None, Role: ReplicationRole.Secondary },
            "the old primary to finish the failover as a secondary");
        Assert.Equal(ReplicationRole.Primary, group.First.Replication.GetInfo().Role);
        // A writer that ended (it threw something other than READONLY) stops the wait, so its exception is the failure.
        try
        {
            await Poll.UntilAsync(() => refused > 0 || writer.IsCompleted, "the writer to meet the old primary as a secondary");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message} It made {Volatile.Read(ref attempts)} writes and is {writer.Status}.", ex);
        }

        stop.Cancel();
        await writer;
        Assert.True(refused > 0, $"the writer ended after {attempts} writes, before it met the old primary as a secondary");

        // The other secondary follows on through the old primary (chained, as in Redis), all by partial resyncs.
        await Nodes.WaitInSyncAsync(group.First, group.Primary);
        await Poll.UntilAsync(() => group.Second.Replication.GetInfo() is { LinkStatus: PrimaryLinkStatus.Up } s && s.Offset == group.First.Replication.GetInfo().Offset,
            "the other secondary to follow the new history through the old primary");
        Assert.Equal(0, group.First.Replication.GetInfo().FullSyncs);
        Assert.Equal(1, group.First.Replication.GetInfo().PartialSyncsAccepted);
        Assert.Equal(2, group.Primary.Replication.GetInfo().FullSyncs); // the two initial syncs of the group, none since
        Assert.Equal(group.First.Cache.GetDigest(), group.Primary.Cache.GetDigest());
        Assert.Equal(group.First.Cache.GetDigest(), group.Second.Cache.GetDigest());
    }

    /// <summary>
    /// Writers hammer whichever node is primary while FAILOVER hands the role back and forth: every node must end
    /// with the same data, whatever write met a step down. (The narrowest such race, a write past READONLY that takes
    /// the store's lock after the step down, is too rare to meet here; <c>StoreRoleTests</c> pins its fix.)
    /// </summary>
    [Fact]
    public async Task FailoverBackAndForth_UnderConcurrentWriters_LeavesNoWriteOnOneNodeOnly()
    {
        await using Group group = await Group.StartAsync();
        ReplicatedCacheNode[] nodes = [group.Primary, group.First, group.Second];
        using var stop = new CancellationTokenSource();
        long applied = 0;
        Task[] writers = [.. Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var running = System.Diagnostics.Stopwatch.StartNew();
            for (int i = 0; !stop.IsCancellationRequested && running.Elapsed < TimeSpan.FromSeconds(60); i++)
            {
                ReplicatedCacheNode target = Array.Find(nodes, n => n.Replication.GetInfo().Role == ReplicationRole.Primary) ?? group.Primary;
                try
                {
                    await target.Cache.SetAsync($"w{w}:{i % 300}", BitConverter.GetBytes(i), new());
                    Interlocked.Increment(ref applied);
                }
                catch (ReadOnlyReplicaException)
                {
                    await Task.Yield();
                }
            }
        }))];

        ReplicatedCacheNode primary = group.Primary;
        for (int round = 0; round < 4; round++)
        {
            long before = Interlocked.Read(ref applied);
            await Poll.UntilAsync(() => Interlocked.Read(ref applied) > before + 2_000, "the writers to write on the current primary");
            ReplicatedCacheNode next = round % 2 == 0 ? group.First : group.Primary;
            // FAILOVER needs its target online on the primary (synced and acknowledging), as Redis's: failover.tcl
            // waits for the demoted primary to resync before failing back. The node that just stepped down follows the
            // new primary a moment after the handover, and is online there only after its first acknowledgement.
            ReplicatedCacheNode current = primary;
            await Poll.UntilAsync(() => current.Replication.GetInfo().Replicas.Any(r => r.State == "online" && r.Address == next.Address),
                "the target to be an online secondary of the primary");
            await primary.Replication.FailoverAsync(next.Address);
            await Poll.UntilAsync(() => next.Replication.GetInfo().Role == ReplicationRole.Primary, "the target to take over");
            primary = next;
        }

        await stop.CancelAsync();
        await Task.WhenAll(writers);
        ReplicatedCacheNode[] secondaries = [.. nodes.Where(n => n != primary)];
        await Poll.UntilAsync(() => secondaries.All(s => s.Replication.GetInfo() is { LinkStatus: PrimaryLinkStatus.Up } info && info.Offset == primary.Replication.GetInfo().Offset),
            "every secondary to catch up with the last primary");
        Assert.All(secondaries, s => Assert.Equal(primary.Cache.GetDigest(), s.Cache.GetDigest()));
    }

    [Fact]
    public async Task FailoverCommand_ToAnyReplica_PicksTheCaughtUpOne()
    {
        // The target's link is held by a stalled proxy, so only the other secondary can catch up.
        await using StalledTarget group = await StalledTarget.StartAsync(others: 1);
        ReplicatedCacheNode caughtUp = group.Others[0];

        await group.Primary.Replication.FailoverAsync();

        Assert.Equal(ReplicationRole.Primary, caughtUp.Replication.GetInfo().Role);
        Assert.Equal(ReplicationRole.Secondary, group.Primary.Replication.GetInfo().Role);
        Assert.Equal(ReplicationRole.Secondary, group.Target.Replication.GetInfo().Role);
        await Nodes.WaitInSyncAsync(caughtUp, group.Primary);
        Assert.Equal(0, caughtUp.Replication.GetInfo().FullSyncs);
        Assert.Equal([2], await caughtUp.Cache.GetAsync("unacknowledged"));
    }

    [Fact]
    public async Task FailoverToAReplica_WithForce_HandsOverAtTheTimeout_AndNeverTwoPrimaries()
    {
        await using StalledTarget group = await StalledTarget.StartAsync(others: 1); // "unacknowledged": the tail FORCE gives up
        (ReplicatedCacheNode primary, ReplicatedCacheNode target, ReplicatedCacheNode other) = (group.Primary, group.Target, group.Others[0]);

        using var watching = new CancellationTokenSource();
        int mostPrimaries = 0;
        Task watcher = Task.Run(async () =>
        {
            while (!watching.IsCancellationRequested)
            {
                // The target first: a promoted target means the old primary had stepped down before, so reading the
                // old primary after it can only see two primaries if two really existed at once.
                int primaries = (target.Replication.GetInfo().Role == ReplicationRole.Primary ? 1 : 0)
                    + (primary.Replication.GetInfo().Role == ReplicationRole.Primary ? 1 : 0)
                    + (other.Replication.GetInfo().Role == ReplicationRole.Primary ? 1 : 0);
                mostPrimaries = Math.Max(mostPrimaries, primaries);
                await Task.Delay(1);
            }
        });

        await using RespTestClient client = await RespTestClient.ConnectAsync(primary);
        string port = target.RespEndPoint!.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("OK", await client.CallAsync("FAILOVER", "TO", "127.0.0.1", port, "TIMEOUT", "100", "FORCE"));
        await Poll.UntilAsync(() => primary.Replication.GetInfo() is { FailoverState: FailoverState.None, Role: ReplicationRole.Secondary }, "the forced failover to finish");
        watching.Cancel();
        await watcher;

        Assert.Equal(1, mostPrimaries);
        Assert.Equal(ReplicationRole.Primary, target.Replication.GetInfo().Role);
        await Nodes.WaitInSyncAsync(target, primary);
        Assert.Equal([1], await primary.Cache.GetAsync("before"));
        Assert.Null(await primary.Cache.GetAsync("unacknowledged")); // FORCE: the old primary's unacknowledged tail is dropped
    }

    [Fact]
    public async Task FailoverWithTimeout_AbortsIfTheReplicaNeverCatchesUp()
    {
        await using StalledTarget group = await StalledTarget.StartAsync();
        (ReplicatedCacheNode primary, ReplicatedCacheNode target) = (group.Primary, group.Target);
        long fullSyncs = primary.Replication.GetInfo().FullSyncs;

        await Assert.ThrowsAsync<TimeoutException>(() => primary.Replication.FailoverAsync(target.Address, TimeSpan.FromMilliseconds(500)));

        ReplicationInfo info = primary.Replication.GetInfo();
        Assert.Equal(ReplicationRole.Primary, info.Role);
        Assert.Equal(FailoverState.None, info.FailoverState);
        Assert.Equal(fullSyncs, info.FullSyncs);
        Assert.Equal(ReplicationRole.Secondary, target.Replication.GetInfo().Role);
        await primary.Cache.SetAsync("writes-resumed", [3], new()); // not paused any more
        group.Proxy.Resume();
        await Nodes.WaitInSyncAsync(primary, target);
    }

    [Fact]
    public async Task Failovers_CanBeAborted_AndReadsAreServedWhileWaiting()
    {
        await using StalledTarget group = await StalledTarget.StartAsync();
        (ReplicatedCacheNode primary, ReplicatedCacheNode target) = (group.Primary, group.Target);

        await using RespTestClient client = await RespTestClient.ConnectAsync(primary);
        string port = target.RespEndPoint!.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("OK", await client.CallAsync("FAILOVER", "TO", "127.0.0.1", port, "TIMEOUT", "60000"));
        Assert.Contains("master_failover_state:waiting-for-sync\r\n", Assert.IsType<string>(await client.CallAsync("INFO", "replication")));
        Assert.Equal([1], await primary.Cache.GetAsync("before")); // reads go on during the pause

        // A write made now waits, not refused; the abort lets it through on this node, still the primary.
        Task paused = primary.Cache.SetAsync("during-pause", [3], new());
        await Task.Delay(50);
        Assert.False(paused.IsCompleted, "a write during the pause waits");
        Assert.Equal("OK", await client.CallAsync("FAILOVER", "ABORT"));
        await paused;
        Assert.Equal([3], await primary.Cache.GetAsync("during-pause"));
        Assert.Contains("master_failover_state:no-failover\r\n", Assert.IsType<string>(await client.CallAsync("INFO", "replication")));
        Assert.Equal("master", await Role(client));
    }

    [Fact]
    public async Task Failover_AbortsIfTheTargetRejectsTheHandover_AndAPausedWriteCompletesAfterIt()
    {
        // The target demands a token the primary does not send: it replicates fine (its primary asks for none), but
        // refuses the primary's handover call, as Redis's test makes the target refuse PSYNC by ACL.
        await using ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync();
        await using ReplicatedCacheNode target = await RespNodes.StartSecondaryAsync(primary.Address, o => o.AuthToken = "only-the-target-has-it");
        await Nodes.WaitInSyncAsync(primary, target);
        await using RespTestClient writer = await RespTestClient.ConnectAsync(primary);

        Task failover = primary.Replication.FailoverAsync(target.Address);
        InvalidOperationException refused = await Assert.ThrowsAsync<InvalidOperationException>(() => failover);
        Assert.Contains("rejected the handover", refused.Message, StringComparison.Ordinal);

        Assert.Equal(ReplicationRole.Primary, primary.Replication.GetInfo().Role);
        Assert.Equal(FailoverState.None, primary.Replication.GetInfo().FailoverState);
        Assert.Equal(ReplicationRole.Secondary, target.Replication.GetInfo().Role);
        Assert.Equal("OK", await writer.CallAsync("SET", "after-abort", "v"));
        await Poll.UntilAsync(() => target.Cache.GetString("after-abort") == "v", "the target to follow the primary again, as before");
    }

    private static async Task<string?> Role(RespTestClient client) =>
        Assert.IsType<object?[]>(await client.CallAsync("ROLE"))[0] as string;

    /// <summary>
    /// A primary and a target secondary whose link runs through a proxy, plus <c>others</c> secondaries linked
    /// directly: "before" is written and everyone is in sync, then the proxy stalls and "unacknowledged" is written,
    /// which the target cannot acknowledge until the proxy resumes (on dispose at the latest).
    /// </summary>
    private sealed class StalledTarget : IAsyncDisposable
    {
        private StalledTarget(ReplicatedCacheNode primary, TcpFaultProxy proxy, ReplicatedCacheNode target, ReplicatedCacheNode[] others)
        {
            Primary = primary;
            Proxy = proxy;
            Target = target;
            Others = others;
        }

        public ReplicatedCacheNode Primary { get; }

        public TcpFaultProxy Proxy { get; }

        public ReplicatedCacheNode Target { get; }

        public ReplicatedCacheNode[] Others { get; }

        public static async Task<StalledTarget> StartAsync(int others = 0)
        {
            ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync();
            var proxy = new TcpFaultProxy(primary.Address);
            ReplicatedCacheNode target = await RespNodes.StartSecondaryAsync(proxy.Address);
            var direct = new ReplicatedCacheNode[others];
            for (int i = 0; i < others; i++)
            {
                direct[i] = await RespNodes.StartSecondaryAsync(primary.Address);
            }

            await primary.Cache.SetAsync("before", [1], new());
            await Nodes.WaitInSyncAsync(primary, [target, .. direct]);
            proxy.Stall();
            await primary.Cache.SetAsync("unacknowledged", [2], new());
            return new StalledTarget(primary, proxy, target, direct);
        }

        public async ValueTask DisposeAsync()
        {
            Proxy.Resume();
            foreach (ReplicatedCacheNode node in Others)
            {
                await node.DisposeAsync();
            }

            await Target.DisposeAsync();
            await Proxy.DisposeAsync();
            await Primary.DisposeAsync();
        }
    }

    /// <summary>A primary and two secondaries, all in sync, with RESP on their replication ports.</summary>
    private sealed class Group : IAsyncDisposable
    {
        private Group(ReplicatedCacheNode primary, ReplicatedCacheNode first, ReplicatedCacheNode second)
        {
            Primary = primary;
            First = first;
            Second = second;
        }

        public ReplicatedCacheNode Primary { get; }

        public ReplicatedCacheNode First { get; }

        public ReplicatedCacheNode Second { get; }

        public static async Task<Group> StartAsync()
        {
            ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync();
            ReplicatedCacheNode first = await RespNodes.StartSecondaryAsync(primary.Address);
            ReplicatedCacheNode second = await RespNodes.StartSecondaryAsync(primary.Address);
            await Nodes.WaitInSyncAsync(primary, first, second);
            return new Group(primary, first, second);
        }

        public async ValueTask DisposeAsync()
        {
            await Second.DisposeAsync();
            await First.DisposeAsync();
            await Primary.DisposeAsync();
        }
    }
}
