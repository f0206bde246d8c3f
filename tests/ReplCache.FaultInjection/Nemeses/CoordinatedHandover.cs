using System.Globalization;
using ReplCache.FaultInjection.Checking;
using ReplCache.FaultInjection.Group;
using ReplCache.FaultInjection.Workloads;

namespace ReplCache.FaultInjection.Nemeses;

/// <summary>
/// <c>FAILOVER TIMEOUT 3000</c> on the primary, and the check of what it promises, made the moment it hands over:
/// every write the old primary held or acknowledged is on the new primary.
/// </summary>
/// <remarks>
/// The check cannot wait for the end of the run. Sentinels that watch the old primary see it report
/// <c>role:slave</c>, count it as down after down-after plus two INFO periods, and fail over to a node of their own
/// choosing (Redis #13118); what that loses is Sentinel's failover, charged by the end-of-run checker as any other.
/// FAILOVER answers +OK at once and hands over in the background, so the old primary's INFO is watched until it
/// follows the target and the target reports itself primary.
/// </remarks>
public sealed class CoordinatedHandover(Cluster cluster, History history)
{
    private static readonly TimeSpan HandoverDeadline = TimeSpan.FromSeconds(10);

    /// <summary>Runs the FAILOVER from <paramref name="primary"/>; its outcome, for the run's log.</summary>
    public async Task<string> RunAsync(int fault, int primary, CancellationToken cancellationToken)
    {
        if (await cluster.CallAsync(primary, cancellationToken, "KEYS", "u:*").ConfigureAwait(false) is not object?[] before)
        {
            return "the primary did not answer KEYS";
        }

        TimeSpan started = history.Now;
        object? reply = await cluster.CallAsync(primary, cancellationToken, "FAILOVER", "TIMEOUT", "3000").ConfigureAwait(false);
        if (reply is not "OK")
        {
            return reply is RespError error ? error.Message : Convert.ToString(reply, CultureInfo.InvariantCulture) ?? "no answer";
        }

        (int? target, TimeSpan handedOver) = await WaitForHandoverAsync(primary, cancellationToken).ConfigureAwait(false);
        if (target is not int newPrimary)
        {
            return "OK, not handed over (timed out and rolled back, or not seen within 10 s)";
        }

        if (await cluster.CallAsync(newPrimary, cancellationToken, "KEYS", "u:*").ConfigureAwait(false) is not object?[] after)
        {
            return $"OK, handed over to {newPrimary}, which did not answer KEYS";
        }

        HandoverCheck check = Compare(fault, Keys(before), started, handedOver, Keys(after));
        history.Handovers.Enqueue(check);
        return $"OK, handed over to {newPrimary}; {check.Checked} writes checked, missing there: "
            + string.Join(", ", check.Missing.Select(m => $"{m.Key} {m.Value}"))
            + (check.MissingDetail.Count == 0 ? "" : "; " + string.Join("; ", check.MissingDetail));
    }

    private async Task<(int? Target, TimeSpan At)> WaitForHandoverAsync(int primary, CancellationToken cancellationToken)
    {
        TimeSpan deadline = history.Now + HandoverDeadline;
        while (history.Now < deadline)
        {
            Dictionary<string, string> info = await cluster.InfoAsync(primary, cancellationToken).ConfigureAwait(false);
            if (info.GetValueOrDefault("role") == "slave"
                && Array.FindIndex(cluster.PeerProxies, p => p.Port.ToString(CultureInfo.InvariantCulture) == info.GetValueOrDefault("master_port")) is var target and >= 0)
            {
                TimeSpan steppedDown = history.Now;
                if ((await cluster.InfoAsync(target, cancellationToken).ConfigureAwait(false)).GetValueOrDefault("role") == "master")
                {
                    return (target, steppedDown);
                }
            }
            else if (info.GetValueOrDefault("role") == "master" && info.GetValueOrDefault("master_failover_state") == "no-failover")
            {
                return (null, history.Now); // the FAILOVER ended with this node still primary: rolled back
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }

        return (null, history.Now);
    }

    /// <summary>
    /// Each unique key's last acknowledged write before the old primary stepped down, where the old primary held it
    /// before the FAILOVER or it was acknowledged after that look: the new primary must agree with it. Keys an earlier
    /// fault lost already, and deletions whose outcome is uncertain, prove nothing here.
    /// </summary>
    private HandoverCheck Compare(int fault, HashSet<string> before, TimeSpan started, TimeSpan handedOver, HashSet<string> after)
    {
        var missing = Enum.GetValues<Ack>().ToDictionary(a => a, _ => 0);
        var detail = new List<string>();
        int checkedWrites = 0;
        foreach (IGrouping<string, AckedWrite> key in history.Writes.Where(w => w.At <= handedOver).GroupBy(w => w.Key))
        {
            AckedWrite last = key.MaxBy(w => w.At)!;
            bool expected = !last.IsDelete;
            bool heldBefore = last.At >= started || before.Contains(key.Key) == expected;
            if (!heldBefore || history.UncertainDeletes.ContainsKey(key.Key))
            {
                continue;
            }

            checkedWrites++;
            if (after.Contains(key.Key) != expected)
            {
                missing[last.Ack]++;
                if (detail.Count < 10)
                {
                    // When it was acknowledged, against the FAILOVER and the handover, says which window lost it.
                    detail.Add($"{key.Key} ({(last.IsDelete ? "deleted" : "set")}, {last.Ack}, acknowledged {(last.At - started).TotalMilliseconds:F0} ms after FAILOVER was sent, "
                        + $"{(handedOver - last.At).TotalMilliseconds:F0} ms before the handover was seen; {(before.Contains(key.Key) == expected ? "the old primary had it before" : "acknowledged after the look")})");
                }
            }
        }

        return new HandoverCheck(fault, checkedWrites, missing, detail);
    }

    private static HashSet<string> Keys(object?[] reply) => new(reply.OfType<string>(), StringComparer.Ordinal);
}
