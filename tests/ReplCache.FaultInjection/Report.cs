using System.Globalization;
using System.Text;
using ReplCache.FaultInjection.Checking;
using ReplCache.FaultInjection.Workloads;

namespace ReplCache.FaultInjection;

/// <summary>The results of runs side by side, as a Markdown table: one row per fault kind, and the checkers' rows.</summary>
public static class Report
{
    public static string Markdown(IReadOnlyList<RunResult> results, TimeSpan duration)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Seed {results[0].Seed}, {duration.TotalSeconds:F0} s of faults per server, 3 nodes, 3 Sentinels (quorum 2, down-after 2000 ms).");
        text.AppendLine();
        text.Append("| lost / at risk (+OK, WAIT 1, WAIT 2), summed over each fault kind's occurrences: lost by the fault after whose quiet period the primary no longer held them for good, at risk in every fault from their acknowledgement to their loss |");
        foreach (RunResult result in results)
        {
            text.Append(CultureInfo.InvariantCulture, $" {result.Kind} |");
        }

        // Counts depend on how many writes each server took in the row; the share lost is what compares.
        bool compared = results.Count == 2;
        if (compared)
        {
            text.Append(CultureInfo.InvariantCulture, $" share lost, {results[0].Kind} ≤ {results[1].Kind}? |");
        }

        text.AppendLine().Append("|---|").AppendLine(string.Concat(results.Select(_ => "---|")) + (compared ? "---|" : ""));
        IEnumerable<string> faults = results.SelectMany(r => r.AtRisk.Keys.Concat(r.Lost.Keys).Select(k => k.Fault)).Distinct().Order();
        foreach (string fault in faults)
        {
            text.Append(CultureInfo.InvariantCulture, $"| {fault} |");
            foreach (RunResult result in results)
            {
                text.Append(' ').Append(string.Join(", ", Enum.GetValues<Ack>().Select(a =>
                    $"{result.Lost.GetValueOrDefault((fault, a))}/{result.AtRisk.GetValueOrDefault((fault, a))}"))).Append(" |");
            }

            if (compared)
            {
                double first = results[0].ShareLost(fault), second = results[1].ShareLost(fault);
                text.Append(CultureInfo.InvariantCulture, $" {first:P2} vs {second:P2}: {(first <= second ? "yes" : "**no**")} |");
            }

            text.AppendLine();
        }

        void Row(string name, Func<RunResult, string> cell) =>
            text.Append(CultureInfo.InvariantCulture, $"| {name} |").AppendLine(string.Concat(results.Select(r => $" {cell(r)} |")) + (compared ? " |" : ""));

        Row("**all lost / acknowledged**", r => $"**{r.TotalLost} / {r.TotalAcknowledged}**");
        Row("coordinated FAILOVERs handed over: writes checked at the handover; missing on the new primary (WAIT, +OK)", r =>
            $"{r.Handovers.Count}: {r.Handovers.Sum(h => h.Checked)}; {r.LostAtHandoverWithWait}, {r.LostAtHandoverPlain}");
        Row("lost under a coordinated FAILOVER by the end (Sentinel's reaction to it included)", r => r.LostUnderCoordinatedFailover.ToString(CultureInfo.InvariantCulture));
        Row("resurrected (deleted with WAIT 2, back at the end)", r => r.Resurrected.ToString(CultureInfo.InvariantCulture));
        Row("time travels on one node", r => r.TimeTravels.ToString(CultureInfo.InvariantCulture));
        Row("reads past expiry / reads after the deadline", r => $"{r.ReadsPastExpiry} / {r.ExpiryReadsChecked}");
        Row("digests equal after healing", r => r.DigestsEqual ? "yes" : "**no**");
        Row("full syncs served, per node", r => string.Join(" / ", r.FullSyncs));
        Row("full-sync loop", r => r.FullSyncLoop ? "**yes**" : "no");
        Row("nodes that died on their own", r => r.Crashes.ToString(CultureInfo.InvariantCulture));
        Row("largest resident memory of a node", r => $"{r.MaxRssBytes.Max() / (1024 * 1024)} MiB");
        Row("client errors (writes not acknowledged)", r => r.WriteErrors.ToString(CultureInfo.InvariantCulture));
        text.AppendLine();
        text.AppendLine("Faults in order: " + string.Join(", ", results[0].Schedule.Where(f => f.Ended > TimeSpan.Zero).Select(f => f.Fault)));
        return text.ToString();
    }
}
