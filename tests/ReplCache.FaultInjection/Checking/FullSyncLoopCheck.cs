using System.Globalization;
using ReplCache.FaultInjection.Nemeses;

namespace ReplCache.FaultInjection.Checking;

/// <summary>
/// Redis's full-sync loop (#11534 and its kin): one secondary resyncing in full again and again. Counted on the
/// secondary — four full resyncs of the same node within ten seconds — not on the node that served them.
/// </summary>
/// <remarks>
/// Counting syncs served flagged legitimate syncs of different secondaries as a loop: in the 30-minute run of
/// 2026-12-01 a primary served one full sync after a Sentinel failover and three more, to three secondaries, when
/// the next fault restarted it empty nine seconds later, to its two secondaries — neither resynced more than twice.
/// </remarks>
public static class FullSyncLoopCheck
{
    public const int SyncsInABurst = 4;

    public static readonly TimeSpan BurstWindow = TimeSpan.FromSeconds(10);

    /// <summary>One line per burst: which node resynced, when, and the faults whose span (hold and quiet) it overlaps.</summary>
    public static List<string> Bursts(IEnumerable<(int Node, TimeSpan At)> fullResyncsReceived, IReadOnlyList<ScheduledFault> schedule)
    {
        var bursts = new List<string>();
        foreach (IGrouping<int, (int Node, TimeSpan At)> node in fullResyncsReceived.GroupBy(f => f.Node).OrderBy(g => g.Key))
        {
            TimeSpan[] times = [.. node.Select(f => f.At).Order()];
            for (int i = 0; i + SyncsInABurst - 1 < times.Length; i++)
            {
                TimeSpan from = times[i], to = times[i + SyncsInABurst - 1];
                if (to - from >= BurstWindow)
                {
                    continue;
                }

                IEnumerable<string> faults = schedule.Where(f => f.Began <= to && f.Ended + f.Quiet >= from && f.Ended > TimeSpan.Zero)
                    .Select(f => $"#{f.Index} {f.Fault} {f.Began.TotalSeconds:F1}-{f.Ended.TotalSeconds:F1} s");
                string at = string.Join(", ", times[i..(i + SyncsInABurst)].Select(t => t.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)));
                bursts.Add($"full-sync loop: node {node.Key} resynced in full {SyncsInABurst} times, at {at} s; faults then: {string.Join("; ", faults)}");
                i += SyncsInABurst - 1;
            }
        }

        return bursts;
    }
}
