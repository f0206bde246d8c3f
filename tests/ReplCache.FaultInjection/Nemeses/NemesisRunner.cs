using System.Globalization;
using ReplCache.FaultInjection.Group;
using ReplCache.FaultInjection.Workloads;

namespace ReplCache.FaultInjection.Nemeses;

/// <summary>Applies a schedule's faults one at a time, each to the node the Sentinels name as primary when it begins.</summary>
public sealed class NemesisRunner(Cluster cluster, History history, Checking.Monitor monitor, Action<string> log)
{
    private int _lastPrimary;

    public async Task RunAsync(IReadOnlyList<ScheduledFault> schedule, CancellationToken cancellationToken)
    {
        foreach (ScheduledFault fault in schedule)
        {
            int primary = await cluster.PrimaryAsync(cancellationToken).ConfigureAwait(false) ?? _lastPrimary;
            _lastPrimary = primary;
            int[] secondaries = [.. Enumerable.Range(0, cluster.Nodes.Length).Where(i => i != primary)];
            int secondary = secondaries[fault.Pick % secondaries.Length];
            fault.Began = history.Now;
            history.Nemesis = fault.Index;
            log($"{fault.Began.TotalSeconds,7:F1} s  #{fault.Index} {fault.Fault} (primary {primary}, secondary {secondary}) for {fault.Hold.TotalSeconds:F1} s; group: {await DescribeGroupAsync(cancellationToken).ConfigureAwait(false)}");
            await ApplyAsync(fault, primary, secondary, secondaries, cancellationToken).ConfigureAwait(false);
            fault.Ended = history.Now;
            if (fault.Outcome is { } outcome)
            {
                log($"{fault.Ended.TotalSeconds,7:F1} s  #{fault.Index} {fault.Fault}: {outcome}");
            }

            history.Nemesis = -1;
            await Task.Delay(fault.Quiet, cancellationToken).ConfigureAwait(false);
            await CheckpointAsync(fault.Index, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ApplyAsync(ScheduledFault fault, int primary, int secondary, int[] secondaries, CancellationToken cancellationToken)
    {
        NodeProcess node = cluster.Nodes[primary];
        switch (fault.Fault)
        {
            case Fault.KillPrimary:
                node.Kill();
                await Task.Delay(fault.Hold, cancellationToken).ConfigureAwait(false);
                Restart(primary);
                break;
            case Fault.RestartPrimaryEmpty:
                node.Kill();
                node.DeleteSnapshot();
                Restart(primary);
                await Task.Delay(fault.Hold, cancellationToken).ConfigureAwait(false);
                break;
            case Fault.KillSecondary:
                cluster.Nodes[secondary].Kill();
                await Task.Delay(fault.Hold, cancellationToken).ConfigureAwait(false);
                Restart(secondary);
                break;
            case Fault.FreezePrimary:
                node.Freeze();
                await Task.Delay(fault.Hold, cancellationToken).ConfigureAwait(false);
                node.Thaw();
                break;
            case Fault.IsolatePrimaryWithClients:
                cluster.PeerProxies[primary].Cut();
                await Task.Delay(fault.Hold, cancellationToken).ConfigureAwait(false);
                cluster.PeerProxies[primary].Heal();
                break;
            case Fault.IsolatePrimary:
                cluster.PeerProxies[primary].Cut();
                cluster.ClientProxies[primary].Cut();
                await Task.Delay(fault.Hold, cancellationToken).ConfigureAwait(false);
                cluster.PeerProxies[primary].Heal();
                cluster.ClientProxies[primary].Heal();
                break;
            case Fault.CutSecondaryPastBacklog:
                cluster.PeerProxies[secondary].Cut();
                await FillBacklogAsync(primary, cancellationToken).ConfigureAwait(false);
                await Task.Delay(fault.Hold, cancellationToken).ConfigureAwait(false);
                cluster.PeerProxies[secondary].Heal();
                break;
            case Fault.SlowPrimary:
                cluster.PeerProxies[primary].Slow(TimeSpan.FromMilliseconds(50));
                cluster.ClientProxies[primary].Slow(TimeSpan.FromMilliseconds(50));
                await Task.Delay(fault.Hold, cancellationToken).ConfigureAwait(false);
                cluster.PeerProxies[primary].Heal();
                cluster.ClientProxies[primary].Heal();
                break;
            case Fault.SentinelFailover:
                fault.Outcome = await cluster.Sentinels.FailoverAsync(cancellationToken).ConfigureAwait(false) ? "OK" : "refused";
                await Task.Delay(fault.Hold, cancellationToken).ConfigureAwait(false);
                break;
            case Fault.CoordinatedFailover:
                fault.Outcome = await new CoordinatedHandover(cluster, history).RunAsync(fault.Index, primary, cancellationToken).ConfigureAwait(false);
                await Task.Delay(fault.Hold, cancellationToken).ConfigureAwait(false);
                break;
            case Fault.RepointSecondary:
                int other = secondaries.First(s => s != secondary);
                fault.Outcome = Describe(await cluster.CallAsync(secondary, cancellationToken, "REPLICAOF", "127.0.0.1", cluster.PeerProxies[other].Port.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false));
                await Task.Delay(fault.Hold, cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    /// <summary>The unique keys the primary holds now, for attributing losses to the fault that caused them.</summary>
    private async Task CheckpointAsync(int fault, CancellationToken cancellationToken)
    {
        if (await cluster.PrimaryAsync(cancellationToken).ConfigureAwait(false) is not { } primary)
        {
            return;
        }

        // Taken before KEYS is sent: a write acknowledged before it is one the primary must show.
        TimeSpan at = history.Now;
        if (await cluster.CallAsync(primary, cancellationToken, "KEYS", "u:*").ConfigureAwait(false) is object?[] keys)
        {
            history.Checkpoints[fault] = new Checkpoint(at, new HashSet<string>(keys.OfType<string>(), StringComparer.Ordinal));
        }
    }

    /// <summary>Each node's role, whom it follows (by node index) and its link and offset, for the run's log.</summary>
    private async Task<string> DescribeGroupAsync(CancellationToken cancellationToken)
    {
        var parts = new List<string>();
        for (int i = 0; i < cluster.Nodes.Length; i++)
        {
            Dictionary<string, string> info = await cluster.InfoAsync(i, cancellationToken).ConfigureAwait(false);
            string follows = info.GetValueOrDefault("master_port") is { } port
                ? Array.FindIndex(cluster.PeerProxies, p => p.Port.ToString(CultureInfo.InvariantCulture) == port).ToString(CultureInfo.InvariantCulture)
                : "-";
            parts.Add(info.Count == 0 ? $"{i}:down" : info["role"] == "master"
                ? $"{i}:master@{info.GetValueOrDefault("master_repl_offset")}"
                : $"{i}:slave-of-{follows}({info.GetValueOrDefault("master_link_status")})@{info.GetValueOrDefault("slave_repl_offset")}");
        }

        return string.Join(" ", parts);
    }

    /// <summary>About 2 MB of writes, twice the configured backlog, so the cut secondary cannot continue partially.</summary>
    private async Task FillBacklogAsync(int primary, CancellationToken cancellationToken)
    {
        string value = new('f', 32 * 1024);
        for (int i = 0; i < 64; i++)
        {
            await cluster.CallAsync(primary, cancellationToken, "SET", $"fill:{i % 8}", value).ConfigureAwait(false);
        }
    }

    private void Restart(int node)
    {
        cluster.Nodes[node].Start();
        monitor.Restarted(node);
    }

    private static string Describe(object? reply) => reply switch
    {
        null => "no answer",
        RespError error => error.Message,
        _ => Convert.ToString(reply, CultureInfo.InvariantCulture) ?? "",
    };
}
