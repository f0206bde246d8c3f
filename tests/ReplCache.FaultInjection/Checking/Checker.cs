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
        foreach (IGrouping<string, AckedWrite> key in history.Writes.GroupBy(w => w.Key))
        {
            AckedWrite last = key.OrderBy(w => w.At).Last();
            string fault = Attribute(last, schedule);
            Count(result.Acknowledged, fault, last.Ack);
            if (history.UncertainDeletes.ContainsKey(key.Key))
            {
                continue; // a deletion that may or may not have applied: the end state proves nothing
            }

            bool expected = !last.IsDelete;
            if (present.Contains(key.Key) == expected)
            {
                continue;
            }

            string culprit = Culprit(last, present.Contains(key.Key), history, schedule) ?? fault;
            Count(result.Lost, culprit, last.Ack);
            if (last.Ack != Ack.Plain && result.LostWithWait.Count < 20)
            {
                result.LostWithWait.Add($"{key.Key} ({(last.IsDelete ? "deleted" : "set")}, {last.Ack}, acknowledged at {last.At.TotalSeconds:F2} s under {fault}) lost by {culprit}");
            }

            if (last.IsDelete && last.Ack == Ack.Wait2)
            {
                result.Resurrected++;
            }
        }

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
        result.FullSyncLoop = monitor.FullSyncsAt.GroupBy(f => f.Node).Any(node =>
        {
            TimeSpan[] times = [.. node.Select(f => f.At).Order()];
            return times.Where((t, i) => i + 3 < times.Length && times[i + 3] - t < TimeSpan.FromSeconds(10)).Any();
        });
        result.Crashes = cluster.Nodes.Sum(n => n.UnexpectedExits) + (cluster.Sentinels.AllRunning ? 0 : 1);
        result.CrashReports.AddRange(cluster.Nodes.SelectMany(n => n.ExitReports));
        return result;
    }

    /// <summary>
    /// The fault that lost a write: the one at whose checkpoint (after its quiet period) the key had its final state
    /// wrong and kept it wrong at every later checkpoint. Null when no checkpoint after the write saw it (the loss
    /// came with the final healing).
    /// </summary>
    private static string? Culprit(AckedWrite write, bool presentAtEnd, History history, IReadOnlyList<ScheduledFault> schedule)
    {
        string? culprit = null;
        foreach (ScheduledFault fault in schedule.Where(f => f.Ended > write.At).Reverse())
        {
            if (!history.Checkpoints.TryGetValue(fault.Index, out HashSet<string>? keys))
            {
                continue;
            }

            if (keys.Contains(write.Key) != presentAtEnd)
            {
                culprit = fault.Fault.ToString(); // wrong here too: the loss began at or before this checkpoint
            }
            else
            {
                break; // right here: the loss began after this checkpoint
            }
        }

        return culprit;
    }

    /// <summary>The fault in force when the write was acknowledged, else the next to begin (which is what could lose it).</summary>
    private static string Attribute(AckedWrite write, IReadOnlyList<ScheduledFault> schedule)
    {
        if (write.Nemesis >= 0)
        {
            return schedule[write.Nemesis].Fault.ToString();
        }

        ScheduledFault? next = schedule.FirstOrDefault(f => f.Began >= write.At && f.Began != TimeSpan.Zero);
        return next?.Fault.ToString() ?? "none";
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

    private static void Count(Dictionary<(string, Ack), int> counts, string fault, Ack ack) =>
        counts[(fault, ack)] = counts.GetValueOrDefault((fault, ack)) + 1;
}
