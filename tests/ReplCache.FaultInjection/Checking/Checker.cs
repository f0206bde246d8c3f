using ReplCache.FaultInjection.Group;
using ReplCache.FaultInjection.Nemeses;
using ReplCache.FaultInjection.Workloads;

namespace ReplCache.FaultInjection.Checking;

/// <summary>Reads the converged group and the history, and counts what was lost or wrong.</summary>
public static class Checker
{
    /// <summary>Tolerance for reading two clocks of one machine around an expiry deadline.</summary>
    private static readonly TimeSpan ExpiryTolerance = TimeSpan.FromMilliseconds(25);

    /// <summary>A full resync can replace a node's data this long before the monitor notices.</summary>
    private static readonly TimeSpan BreakSlack = TimeSpan.FromMilliseconds(400);

    public static async Task<RunResult> CheckAsync(Cluster cluster, int primary, History history, Monitor monitor, IReadOnlyList<ScheduledFault> schedule, int seed, CancellationToken cancellationToken)
    {
        var result = new RunResult
        {
            Kind = cluster.Kind,
            Seed = seed,
            Schedule = schedule,
            FullSyncs = [.. monitor.FullSyncs],
            MaxRssBytes = [.. monitor.MaxRssBytes],
            WriteErrors = Interlocked.Read(ref history.WriteErrors),
            Handovers = [.. history.Handovers],
        };

        object?[] keys = await cluster.CallAsync(primary, cancellationToken, "KEYS", "u:*").ConfigureAwait(false) as object?[] ?? [];
        var present = new HashSet<string>(keys.OfType<string>(), StringComparer.Ordinal);
        LossAccounting.Charge(result, history, schedule, present);
        result.TimeTravels = CountTimeTravels(history);
        foreach (ExpiryRead read in history.ExpiryReads)
        {
            if (read.SentAt > read.AckedAt + read.Ttl + ExpiryTolerance)
            {
                result.ExpiryReadsChecked++;
                result.ReadsPastExpiry += read.Found ? 1 : 0;
            }
        }

        var digests = new List<string?>();
        for (int node = 0; node < cluster.Nodes.Length; node++)
        {
            digests.Add(await cluster.CallAsync(node, cancellationToken, "DEBUG", "DIGEST").ConfigureAwait(false) as string);
        }

        result.DigestsEqual = digests.All(d => d is not null && d == digests[0]);
        if (!result.DigestsEqual)
        {
            for (int node = 0; node < cluster.Nodes.Length; node++)
            {
                Dictionary<string, string> info = await cluster.InfoAsync(node, cancellationToken).ConfigureAwait(false);
                object? size = await cluster.CallAsync(node, cancellationToken, "DBSIZE").ConfigureAwait(false);
                object?[] nodeKeys = await cluster.CallAsync(node, cancellationToken, "KEYS", "*").ConfigureAwait(false) as object?[] ?? [];
                result.Divergence.Add($"node {node}: digest {digests[node]}, dbsize {size}, role {info.GetValueOrDefault("role")}, replid {info.GetValueOrDefault("master_replid")}, " +
                    $"offset {info.GetValueOrDefault("master_repl_offset")}; keys not on the primary: {string.Join(" ", nodeKeys.OfType<string>().Where(k => !present.Contains(k) && k.StartsWith("u:", StringComparison.Ordinal)).Take(10))}");
            }
        }
        result.FullSyncBursts.AddRange(FullSyncLoopCheck.Bursts(monitor.FullResyncsReceivedAt, schedule));
        result.FullSyncLoop = result.FullSyncBursts.Count > 0;
        result.Crashes = cluster.Nodes.Sum(n => n.UnexpectedExits) + (cluster.Sentinels.AllRunning ? 0 : 1);
        result.CrashReports.AddRange(cluster.Nodes.SelectMany(n => n.ExitReports));
        return result;
    }

    private static int CountTimeTravels(History history)
    {
        int travels = 0;
        foreach (IGrouping<(int Node, string Key), VersionRead> reads in history.VersionReads.GroupBy(r => (r.Node, r.Key)))
        {
            TimeSpan[] breaks = history.HistoryBreaks.TryGetValue(reads.Key.Node, out var b) ? [.. b] : [];
            VersionRead? highest = null;
            foreach (VersionRead read in reads.OrderBy(r => r.At))
            {
                if (highest is not null && read.Version < highest.Version
                    && !breaks.Any(at => at >= highest.At - BreakSlack && at <= read.At + BreakSlack))
                {
                    travels++;
                }

                // After a resync replaced the node's data, what it showed before no longer binds it.
                if (highest is null || read.Version >= highest.Version || breaks.Any(at => at >= highest.At - BreakSlack && at <= read.At + BreakSlack))
                {
                    highest = read;
                }
            }
        }

        return travels;
    }
}
